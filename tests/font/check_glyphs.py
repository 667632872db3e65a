#!/usr/bin/python3
"""check_glyphs.py: the app's subset font has a glyph for every character the app can draw.

  check_glyphs.py GLYPHS_TXT SUBSET_TTF GLYPHS_HPP SOURCE_DIR...

Checks, each with a message naming what is missing:
  1. every code point listed in GLYPHS_TXT (ui/app/font/glyphs.txt) is in SUBSET_TTF's cmap, and
     the subset holds nothing else (the build cut DejaVu Sans to exactly that list);
  2. the glyph ranges given to Dear ImGui (the generated GLYPHS_HPP) are the same code points;
  3. every code point in a string literal of the C++ sources under SOURCE_DIR... (ordinary,
     u8 and raw literals; \\x, \\u and \\U escapes decoded; comments skipped) is in the list.
Does not check text the user brings (scenario tokens, file names): ImGui draws '?' for those
code points outside the list, which is the intended fallback.
Needs Debian's python3-fonttools (scripts/bootstrap).
"""
import pathlib
import re
import sys

from fontTools.ttLib import TTFont


def parse_glyph_list(path):
    points = set()
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?(\s|$)", line)
        if not m:
            continue
        first = int(m.group(1), 16)
        last = int(m.group(2) or m.group(1), 16)
        if last < first:
            raise SystemExit(f"{path}: range {line.split()[0]} ends before it starts")
        points.update(range(first, last + 1))
    return points


def parse_imgui_ranges(path):
    text = pathlib.Path(path).read_text(encoding="utf-8")
    body = text[text.index("{") + 1:text.rindex("}")]
    values = [int(v, 0) for v in re.findall(r"0x[0-9A-Fa-f]+|\b\d+\b", body)]
    if not values or values[-1] != 0 or len(values) % 2 != 1:
        raise SystemExit(f"{path}: glyph ranges are not zero-terminated pairs")
    points = set()
    for first, last in zip(values[0:-1:2], values[1:-1:2]):
        points.update(range(first, last + 1))
    return points


_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]+|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{1,3}|.)", re.S)
_SIMPLE = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11}


def decode_literal(body):
    """The code points of a C++ string literal's body (escapes decoded, bytes read as UTF-8)."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(body):
        out += body[pos:m.start()].encode("utf-8")
        e = m.group(1)
        if e[0] == "x":
            out.append(int(e[1:], 16) & 0xFF)
        elif e[0] in "uU":
            out += chr(int(e[1:], 16)).encode("utf-8")
        elif e[0] in "01234567":
            out.append(int(e, 8) & 0xFF)
        else:
            out.append(_SIMPLE.get(e, ord(e) if ord(e) < 128 else 63))
        pos = m.end()
    out += body[pos:].encode("utf-8")
    # Bytes that are not UTF-8 text (a PNG signature) are data, never drawn.
    return [ord(c) for c in out.decode("utf-8", errors="ignore")]


_LITERAL = re.compile(
    r'//[^\n]*'                                   # line comment
    r'|/\*.*?\*/'                                 # block comment
    r'|(?:u8|u|U|L)?R"([^(\s]*)\((.*?)\)\1"'      # raw string: groups 1 (delimiter), 2 (body)
    r'|(?:u8|u|U|L)?"((?:[^"\\\n]|\\.)*)"'        # string: group 3
    r"|'(?:[^'\\\n]|\\.)*'",                      # character literal (skipped: never drawn alone)
    re.S)


def literals(path):
    """(line, code points) for each string literal in a C++ file."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    for m in _LITERAL.finditer(text):
        body = m.group(2) if m.group(2) is not None else m.group(3)
        if body is None:
            continue
        points = decode_literal(body) if m.group(3) is not None else [ord(c) for c in body]
        yield text.count("\n", 0, m.start()) + 1, points


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    glyphs_txt, subset_ttf, glyphs_hpp, *dirs = argv[1:]
    listed = parse_glyph_list(glyphs_txt)
    cmap = set(TTFont(subset_ttf).getBestCmap())
    problems = []
    for cp in sorted(listed - cmap):
        problems.append(f"U+{cp:04X} {chr(cp)!r} is listed in {glyphs_txt} but missing from {subset_ttf}")
    for cp in sorted(cmap - listed):
        problems.append(f"U+{cp:04X} {chr(cp)!r} is in {subset_ttf} but not listed in {glyphs_txt}")
    imgui = parse_imgui_ranges(glyphs_hpp)
    if imgui != listed:
        extra = sorted(imgui - listed)[:5]
        gone = sorted(listed - imgui)[:5]
        problems.append(f"{glyphs_hpp}: ImGui glyph ranges differ from the list (extra {extra}, missing {gone})")
    files = 0
    seen = 0
    for d in dirs:
        for path in sorted(pathlib.Path(d).rglob("*")):
            if path.suffix not in (".cpp", ".hpp", ".h", ".inc") or not path.is_file():
                continue
            files += 1
            for line, points in literals(path):
                for cp in points:
                    if cp < 0x20 or cp == 0x7F:
                        continue  # control characters: layout, never glyphs
                    seen += 1
                    if cp not in listed:
                        problems.append(f"{path}:{line}: U+{cp:04X} {chr(cp)!r} is drawn but has no glyph "
                                        f"(add it to {glyphs_txt})")
    if files == 0:
        problems.append(f"no C++ sources found under {dirs}")
    for p in problems:
        print(p)
    print(f"{len(listed)} code points listed, {len(cmap)} in the subset, {files} source files, "
          f"{seen} characters in string literals, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
