// image.cpp — fitting, area-average downscaling, and the guarded stb_image decode path.
// Limits and their reasons are in image.hpp; stb itself is compiled in stb_image.cpp.
#include "image.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#define STBI_NO_STDIO
#include <stb/stb_image.h>

namespace attn::ui {

namespace {

// Area average of src: (sh, sw, 3) onto out's (h, w, 3) grid, each value divided by `unit`
// (255 for 8-bit pixels, 1 for floats already in [0, 1]):
//   out[ty][tx] = Σ src[y][x] / (count · unit)   over the (x, y) with x·w/sw = tx, y·h/sh = ty.
// A target pixel gathers at most a few hundred source pixels for any image decode_image
// accepts (4096 → 256 is 16 per side), so byte sums stay far below 2^24 and are exact in
// float; sum ≤ count · unit (rounding is monotone) keeps every result in [0, 1].
template <class T>
void area_average(const T* src, std::size_t sw, std::size_t sh, float unit, RgbImage& out) {
    const std::size_t w = out.width, h = out.height;
    std::vector<float> count(w * h, 0.0f);
    for (std::size_t y = 0; y < sh; ++y) {
        const std::size_t ty = y * h / sh;
        for (std::size_t x = 0; x < sw; ++x) {
            const std::size_t tx = x * w / sw;
            const T* p = src + 3 * (y * sw + x);
            float* q = out.at(tx, ty);
            q[0] += static_cast<float>(p[0]), q[1] += static_cast<float>(p[1]), q[2] += static_cast<float>(p[2]);
            count[ty * w + tx] += 1.0f;
        }
    }
    for (std::size_t i = 0; i < w * h; ++i) {
        const float denom = std::max(count[i], 1.0f) * unit;
        for (std::size_t c = 0; c < 3; ++c) out.px[3 * i + c] /= denom;
    }
}

// stb's reason for the last failure; stb sometimes leaves it empty (an unknown PNG chunk whose
// type bytes are zero, as in a truncated file).
std::string stb_reason() {
    const char* r = stbi_failure_reason();
    return r && *r ? r : "corrupt or truncated data";
}

// stb_image 2.27 (Debian 12's libstb) builds a JPEG Huffman table from a DHT segment's 16 code
// counts without checking that they sum to at most 256 (nothings/stb#1289, fixed upstream in
// 2.28): a 23-byte file then makes it write up to 4080 sizes and values past the 256-entry
// arrays in its decoder state. ASan cannot see it (the writes stay inside one heap object);
// UBSan's bounds check did. Both stbi_info and stbi_load parse DHT segments, so every one stb
// could reach is checked here first, walked the way stb walks the file:
//   - JPEG only: the file starts with FF, optional fill FFs, D8 (SOI);
//   - a marker is FF, fill FFs, then its code; codes 00 (stuffed FF), 01, D0..D8 carry no
//     segment; D9 (EOI) ends stb's parse; other codes are followed by a 2-byte length that
//     stb honours exactly (or it fails), and bytes between segments are skipped as stb does;
//   - inside a DHT, tables are read as stb's loop reads them (length − 2 counted down by
//     17 + codes, zeros past the end of the file), so a length that lies changes nothing.
// The walk checks every FF C4 outside skipped segments, a superset of what stb reads: a valid
// JPEG (at most 256 codes per table, by the standard) is never refused.
std::string check_jpeg_huffman_tables(std::string_view b) {
    const std::size_t n = b.size();
    auto byte = [&](std::size_t k) -> std::size_t { return k < n ? static_cast<std::uint8_t>(b[k]) : 0; };
    std::size_t i = 1;
    if (byte(0) != 0xFF) return "";
    while (i < n && byte(i) == 0xFF) ++i;
    if (byte(i) != 0xD8) return "";
    for (++i; i < n;) {
        if (byte(i) != 0xFF) {  // entropy-coded data, or junk between segments
            ++i;
            continue;
        }
        while (i < n && byte(i) == 0xFF) ++i;
        if (i >= n) break;
        const std::size_t code = byte(i++);
        if (code == 0x00 || code == 0x01 || (code >= 0xD0 && code <= 0xD8)) continue;
        if (code == 0xD9) break;
        const std::size_t length = byte(i) << 8 | byte(i + 1);
        if (code == 0xC4) {
            long left = static_cast<long>(length) - 2;
            for (std::size_t k = i + 2; left > 0;) {
                const std::size_t q = byte(k++);
                if ((q >> 4) > 1 || (q & 15) > 3) break;  // stb refuses this table before building it
                std::size_t codes = 0;
                for (int len = 0; len < 16; ++len) codes += byte(k++);
                if (codes > 256) return "JPEG Huffman table with " + std::to_string(codes) + " codes (at most 256)";
                k += codes;
                left -= static_cast<long>(17 + codes);
            }
        }
        i += std::max<std::size_t>(length, 2);
    }
    return "";
}

// stb 2.27 allocates its buffer for a PNG's compressed data at the first IDAT chunk that has
// bytes, but copies every IDAT chunk into it: an empty IDAT before that one makes it call
// memcpy(nullptr, source, 0), undefined behaviour (UBSan; found by tests/fuzz/fuzz_image).
// An empty IDAT carries nothing, so those before the first non-empty one are dropped: the
// result is the file without them (stb walks chunks by their lengths, as done here), or empty
// when there is nothing to drop.
std::string drop_leading_empty_idat(std::string_view b) {
    static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
    if (b.substr(0, 8) != kSignature) return "";
    auto be32 = [&](std::uint64_t k) {
        std::uint64_t v = 0;
        for (std::uint64_t i = k; i < k + 4; ++i) v = v << 8 | static_cast<std::uint8_t>(b[i]);
        return v;
    };
    std::string kept;
    std::uint64_t from = 0;  // start of the bytes not yet copied into `kept`
    for (std::uint64_t p = 8; p + 8 <= b.size();) {
        const std::uint64_t length = be32(p);
        const std::string_view type = b.substr(p + 4, 4);
        if (type == "IDAT" && length > 0) break;
        if (type == "IEND") break;
        const std::uint64_t next = p + 12 + length;  // length, type, data, CRC
        if (type == "IDAT") {
            kept.append(b.substr(from, p - from));
            from = std::min<std::uint64_t>(next, b.size());
        }
        p = next;
    }
    if (from == 0) return "";
    kept.append(b.substr(from));
    return kept;
}

std::string size_text(long long w, long long h) { return std::to_string(w) + "×" + std::to_string(h); }

struct StbFree {
    void operator()(stbi_uc* p) const { stbi_image_free(p); }
};

}  // namespace

ImageSize fit(std::size_t width, std::size_t height, std::size_t side) {
    if (width <= side && height <= side) return {width, height};
    if (width >= height) return {side, std::max<std::size_t>(1, (height * side + width / 2) / width)};
    return {std::max<std::size_t>(1, (width * side + height / 2) / height), side};
}

RgbImage downscale(const RgbImage& src, std::size_t w, std::size_t h) {
    if (w == 0 || h == 0) return {};
    RgbImage out(w, h);
    area_average(src.px.data(), src.width, src.height, 1.0f, out);
    return out;
}

DecodedImage decode_image(std::string_view bytes) {
    DecodedImage r;
    if (bytes.empty()) {
        r.error = "the image file is empty";
        return r;
    }
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        r.error = "the image file is " + std::to_string(bytes.size()) + " bytes, too large to decode";
        return r;
    }
    if (const std::string bad = check_jpeg_huffman_tables(bytes); !bad.empty()) {
        r.error = "cannot decode the image (PNG, JPEG, BMP or GIF): " + bad;
        return r;
    }

    const std::string without_empty_idat = drop_leading_empty_idat(bytes);
    if (!without_empty_idat.empty()) bytes = without_empty_idat;
    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int len = static_cast<int>(bytes.size());

    // The header first: nothing proportional to the picture is allocated before the size is known.
    int w = 0, h = 0, comp = 0;
    if (!stbi_info_from_memory(data, len, &w, &h, &comp)) {
        r.error = "cannot decode the image (PNG, JPEG, BMP or GIF): " + stb_reason();
        return r;
    }
    if (w > kMaxDecodeSide || h > kMaxDecodeSide) {
        r.error = "image is " + size_text(w, h) + ", larger than 4096×4096";
        return r;
    }
    if (w <= 0 || h <= 0) {
        r.error = "image is " + size_text(w, h) + ", which has no pixels";
        return r;
    }

    int lw = 0, lh = 0, lcomp = 0;
    const std::unique_ptr<stbi_uc, StbFree> px(stbi_load_from_memory(data, len, &lw, &lh, &lcomp, 3));
    if (!px) {
        r.error = "cannot decode the " + size_text(w, h) + " image: " + stb_reason();
        return r;
    }
    // stb's buffer is lw·lh·3 bytes; the header said w×h. They agree for every format stb reads,
    // but the buffer is walked with w and h, so a disagreement is refused rather than trusted.
    if (lw != w || lh != h) {
        r.error = "cannot decode the " + size_text(w, h) + " image: it decoded as " + size_text(lw, lh);
        return r;
    }

    const auto sw = static_cast<std::size_t>(w), sh = static_cast<std::size_t>(h);
    const ImageSize keep = fit(sw, sh, kKeepSide);
    r.image = RgbImage(keep.width, keep.height);
    area_average(px.get(), sw, sh, 255.0f, r.image);  // 1:1 when it fits: each value is byte / 255
    r.file_width = sw;
    r.file_height = sh;
    return r;
}

}  // namespace attn::ui
