// Image decoding (ui/image.hpp): exact pixels from small PNG, BMP and JPEG files built here in
// memory, the 256-pixel keep size, area averaging, every refusal, and the guards around
// stb_image 2.27's known faults. No files are read (the suite also runs in wasm under node),
// and no image writer library is used: the PNG writer emits stored (uncompressed) deflate
// blocks with its own CRC-32 and Adler-32, the JPEG is one hand-coded 8×8 block.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "image.hpp"

using namespace attn::ui;

namespace {

using Bytes = std::string;

struct Rgb {
    std::uint8_t r, g, b;
};

// A w×h picture given by a function of (x, y).
template <class F>
std::vector<Rgb> pixels(std::size_t w, std::size_t h, F colour) {
    std::vector<Rgb> px;
    px.reserve(w * h);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) px.push_back(colour(x, y));
    return px;
}

void put_le(Bytes& b, std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_be32(Bytes& b, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// ---- BMP: 24-bit BI_RGB, rows bottom-up in BGR order, each padded to 4 bytes -------------
// With no pixels given, only the 54-byte header is written (the size fields still count them).
Bytes bmp(std::int32_t w, std::int32_t h, const std::vector<Rgb>& px) {
    const std::uint32_t row = (3 * static_cast<std::uint32_t>(w) + 3) / 4 * 4;
    const std::uint32_t data = row * static_cast<std::uint32_t>(h < 0 ? -h : h);
    Bytes b = "BM";
    put_le(b, 54 + data, 4);  // file size
    put_le(b, 0, 4);          // reserved
    put_le(b, 54, 4);         // pixel data offset
    put_le(b, 40, 4);         // BITMAPINFOHEADER
    put_le(b, static_cast<std::uint32_t>(w), 4);
    put_le(b, static_cast<std::uint32_t>(h), 4);
    put_le(b, 1, 2);   // planes
    put_le(b, 24, 2);  // bits per pixel
    put_le(b, 0, 4);   // BI_RGB
    put_le(b, data, 4);
    put_le(b, 2835, 4), put_le(b, 2835, 4);  // 72 dpi
    put_le(b, 0, 4), put_le(b, 0, 4);        // palette
    if (px.empty()) return b;
    for (std::int32_t y = h - 1; y >= 0; --y) {
        for (std::int32_t x = 0; x < w; ++x) {
            const Rgb& p = px[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)];
            b.push_back(static_cast<char>(p.b)), b.push_back(static_cast<char>(p.g)),
                b.push_back(static_cast<char>(p.r));
        }
        b.append(row - 3 * static_cast<std::uint32_t>(w), '\0');
    }
    return b;
}

// ---- PNG -----------------------------------------------------------------------------------
std::uint32_t crc32(const Bytes& b, std::size_t from) {
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = from; i < b.size(); ++i) {
        c ^= static_cast<std::uint8_t>(b[i]);
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

std::uint32_t adler32(const Bytes& b) {
    std::uint32_t a = 1, s = 0;
    for (char ch : b) {
        a = (a + static_cast<std::uint8_t>(ch)) % 65521;
        s = (s + a) % 65521;
    }
    return (s << 16) | a;
}

// A chunk: length, type, data, CRC over type and data.
void chunk(Bytes& png, const char* type, const Bytes& data) {
    put_be32(png, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = png.size();
    png += type;
    png += data;
    put_be32(png, crc32(png, start));
}

Bytes ihdr(std::uint32_t w, std::uint32_t h, int colour_type) {
    Bytes d;
    put_be32(d, w), put_be32(d, h);
    d += static_cast<char>(8);            // bit depth
    d += static_cast<char>(colour_type);  // 0 = grey, 2 = RGB, 6 = RGBA
    d.append(3, '\0');                    // deflate, adaptive filtering, no interlace
    return d;
}

// zlib stream of stored deflate blocks (at most 65535 bytes each).
Bytes zlib_stored(const Bytes& raw) {
    Bytes z = "\x78\x01";
    std::size_t at = 0;
    do {
        const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
        z += static_cast<char>(at + n == raw.size() ? 1 : 0);  // BFINAL, BTYPE = 00
        put_le(z, static_cast<std::uint32_t>(n), 2);
        put_le(z, static_cast<std::uint32_t>(~n & 0xffff), 2);
        z.append(raw, at, n);
        at += n;
    } while (at < raw.size());
    put_be32(z, adler32(raw));
    return z;
}

const Bytes kPngSignature("\x89PNG\r\n\x1a\n", 8);

// empty_idats: how many empty IDAT chunks come before the one with the data.
Bytes png_of_idat(std::uint32_t w, std::uint32_t h, int colour_type, const Bytes& idat, int empty_idats = 0) {
    Bytes png = kPngSignature;
    chunk(png, "IHDR", ihdr(w, h, colour_type));
    for (int i = 0; i < empty_idats; ++i) chunk(png, "IDAT", "");
    chunk(png, "IDAT", idat);
    chunk(png, "IEND", "");
    return png;
}

// 8-bit RGB (or RGBA with the given alpha), every row with filter type 0.
Bytes png(std::uint32_t w, std::uint32_t h, const std::vector<Rgb>& px, int alpha = -1) {
    Bytes raw;
    for (std::size_t y = 0; y < h; ++y) {
        raw += '\0';
        for (std::size_t x = 0; x < w; ++x) {
            const Rgb& p = px[y * w + x];
            raw += static_cast<char>(p.r), raw += static_cast<char>(p.g), raw += static_cast<char>(p.b);
            if (alpha >= 0) raw += static_cast<char>(alpha);
        }
    }
    return png_of_idat(w, h, alpha >= 0 ? 6 : 2, zlib_stored(raw));
}

// Only the signature and IHDR: enough for stbi_info, which reads no further.
Bytes png_header(std::uint32_t w, std::uint32_t h) {
    Bytes p = kPngSignature;
    chunk(p, "IHDR", ihdr(w, h, 2));
    return p;
}

// Deflate bits are packed from the least significant bit; Huffman codes go most significant first.
struct BitWriter {
    Bytes out;
    std::uint32_t acc = 0;
    int n = 0;
    void bits(std::uint32_t v, int count) {  // v's low `count` bits, LSB first
        for (int i = 0; i < count; ++i) {
            acc |= ((v >> i) & 1u) << n;
            if (++n == 8) out += static_cast<char>(acc), acc = 0, n = 0;
        }
    }
    void code(std::uint32_t c, int len) {  // a Huffman code, MSB first
        for (int i = len - 1; i >= 0; --i) bits(c >> i, 1);
    }
    void flush() {
        if (n > 0) out += static_cast<char>(acc), acc = 0, n = 0;
    }
};

// A zlib stream that inflates to `size` zero bytes with fixed-Huffman back-references
// (length 258, distance 1): 13 bits per 258 bytes, a ratio of about 160.
Bytes zlib_zeros(std::size_t size) {
    BitWriter w;
    w.bits(0x78, 8), w.bits(0x01, 8);
    w.bits(1, 1), w.bits(1, 2);  // BFINAL, BTYPE = 01 (fixed Huffman)
    w.code(0x30, 8);             // literal 0
    std::size_t made = 1;
    for (; made + 258 <= size; made += 258) {
        w.code(0xc5, 8);  // length code 285 (258)
        w.code(0, 5);     // distance code 0 (1)
    }
    for (; made < size; ++made) w.code(0x30, 8);
    w.code(0, 7);  // end of block (256)
    w.flush();
    Bytes z = w.out;
    put_be32(z, static_cast<std::uint32_t>(size % 65521) << 16 | 1u);  // Adler-32 of zeros
    return z;
}

// ---- JPEG: a baseline 8×8 grey picture of one flat block -------------------------------------
// DQT of ones, one DC table and one AC table with a single 1-bit code each (DC: category 10,
// AC: end of block), and one block whose DC coefficient is 8·(200 − 128) = 576: category 10,
// extra bits 1001000000. Entropy bits 0 1001000000 0, padded with ones: 48 0F.
Bytes segment(std::uint8_t marker, const Bytes& body) {
    Bytes s("\xff", 1);
    s += static_cast<char>(marker);
    s += static_cast<char>((body.size() + 2) >> 8), s += static_cast<char>((body.size() + 2) & 0xff);
    return s + body;
}

// A DHT body for one table: class (0 DC, 1 AC), id, 16 counts and the symbols.
Bytes dht(int table_class, int id, const std::vector<std::uint8_t>& counts, const Bytes& symbols) {
    Bytes b(1, static_cast<char>(table_class << 4 | id));
    for (std::uint8_t c : counts) b += static_cast<char>(c);
    return b + symbols;
}

const Bytes kSoi("\xff\xd8", 2), kEoi("\xff\xd9", 2);

// extra_header: segments placed after SOI; before_eoi: bytes placed after the scan; with_dc_table
// false leaves the scan's DC table undefined.
Bytes jpeg_grey200(const Bytes& extra_header = "", const Bytes& before_eoi = "", bool with_dc_table = true) {
    std::vector<std::uint8_t> one_code(16, 0);
    one_code[0] = 1;
    Bytes j = kSoi + extra_header;
    j += segment(0xdb, Bytes(1, '\0') + Bytes(64, '\1'));                          // DQT 0: all ones
    j += segment(0xc0, Bytes("\x08\x00\x08\x00\x08\x01\x01\x11\x00", 9));          // SOF0: 8×8, one component
    if (with_dc_table) j += segment(0xc4, dht(0, 0, one_code, Bytes(1, '\x0a')));  // DC: "0" → category 10
    j += segment(0xc4, dht(1, 0, one_code, Bytes(1, '\0')));                       // AC: "0" → end of block
    j += segment(0xda, Bytes("\x01\x01\x00\x00\x3f\x00", 6));                      // SOS: component 1, tables 0/0
    j += Bytes("\x48\x0f", 2);
    return j + before_eoi + kEoi;
}

// A DHT segment whose 16 counts are all 255: 4080 codes, where a table holds at most 256.
Bytes bad_dht() { return segment(0xc4, dht(0, 0, std::vector<std::uint8_t>(16, 255), "")); }

float unit(std::uint8_t c) { return static_cast<float>(c) / 255.0f; }

void check_pixel(const RgbImage& im, std::size_t x, std::size_t y, Rgb c) {
    INFO("pixel (" << x << ", " << y << ")");
    const float* p = im.at(x, y);
    CHECK(p[0] == unit(c.r));
    CHECK(p[1] == unit(c.g));
    CHECK(p[2] == unit(c.b));
}

// Six distinct colours, one per pixel of a 3×2 picture.
const std::vector<Rgb> k3x2 = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {17, 34, 51}, {200, 100, 1}, {0, 0, 0}};

}  // namespace

TEST_CASE("image: a 3×2 BMP decodes to exactly its colours (c / 255)", "[ui][image]") {
    const DecodedImage d = decode_image(bmp(3, 2, k3x2));
    REQUIRE(d.error == "");
    REQUIRE(d.image.width == 3);
    REQUIRE(d.image.height == 2);
    CHECK(d.file_width == 3);
    CHECK(d.file_height == 2);
    for (std::size_t i = 0; i < k3x2.size(); ++i) check_pixel(d.image, i % 3, i / 3, k3x2[i]);
}

TEST_CASE("image: a 3×2 PNG decodes to exactly its colours, and RGBA drops the alpha", "[ui][image]") {
    for (int alpha : {-1, 0, 128}) {
        INFO("alpha " << alpha);
        const DecodedImage d = decode_image(png(3, 2, k3x2, alpha));
        REQUIRE(d.ok());
        REQUIRE(d.image.width == 3);
        REQUIRE(d.image.height == 2);
        REQUIRE(d.image.px.size() == 18);
        for (std::size_t i = 0; i < k3x2.size(); ++i) check_pixel(d.image, i % 3, i / 3, k3x2[i]);
    }
}

TEST_CASE("image: empty IDAT chunks before a PNG's data change nothing", "[ui][image]") {
    // stb 2.27 would memcpy into a null buffer for them; image.cpp drops them first.
    Bytes raw;
    for (std::size_t y = 0; y < 2; ++y) {
        raw += '\0';
        for (std::size_t x = 0; x < 3; ++x) {
            const Rgb& p = k3x2[y * 3 + x];
            raw += static_cast<char>(p.r), raw += static_cast<char>(p.g), raw += static_cast<char>(p.b);
        }
    }
    for (int empty : {1, 3}) {
        INFO(empty << " empty IDAT chunks");
        const DecodedImage d = decode_image(png_of_idat(3, 2, 2, zlib_stored(raw), empty));
        REQUIRE(d.error == "");
        REQUIRE(d.image.width == 3);
        for (std::size_t i = 0; i < k3x2.size(); ++i) check_pixel(d.image, i % 3, i / 3, k3x2[i]);
    }
    // Only empty ones: no image data at all.
    CHECK(decode_image(png_of_idat(3, 2, 2, "", 2)).error == "cannot decode the 3×2 image: no IDAT");
}

TEST_CASE("image: a hand-made 8×8 grey JPEG decodes to its grey", "[ui][image]") {
    const DecodedImage d = decode_image(jpeg_grey200());
    REQUIRE(d.error == "");
    REQUIRE(d.image.width == 8);
    REQUIRE(d.image.height == 8);
    for (float v : d.image.px) REQUIRE(v == Approx(unit(200)).margin(1.0 / 255));
}

TEST_CASE("image: a JPEG Huffman table with more than 256 codes is refused before stb reads it", "[ui][image]") {
    // stb_image 2.27 would write past its 256-entry tables (nothings/stb#1289): in the header,
    // as stbi_info reads it, and after the scan, where only stbi_load gets to.
    const std::string refused =
        "cannot decode the image (PNG, JPEG, BMP or GIF): JPEG Huffman table with 4080 codes (at most 256)";
    CHECK(decode_image(kSoi + bad_dht()).error == refused);
    CHECK(decode_image(jpeg_grey200(bad_dht())).error == refused);
    CHECK(decode_image(jpeg_grey200("", bad_dht())).error == refused);
    CHECK(decode_image(Bytes("\xff\xff\xff\xd8", 4) + bad_dht()).error == refused);  // fill bytes before SOI
    // The same bytes inside a comment segment are data, not a table: stb skips them, and so
    // does the check (a camera's EXIF or ICC block may hold anything).
    const DecodedImage d = decode_image(jpeg_grey200(segment(0xfe, bad_dht())));
    CHECK(d.error == "");
    CHECK(d.image.width == 8);
    // Not a JPEG (no SOI first): the bytes are not read as JPEG segments at all.
    CHECK_THAT(decode_image(Bytes("\xff\xd7", 2) + bad_dht()).error, Catch::EndsWith("unknown image type"));
}

TEST_CASE("image: a JPEG scan whose Huffman table was never defined decodes from a zeroed table", "[ui][image]") {
    // stb 2.27 leaves its decoder state uninitialised; stb_image.cpp hands it zeroed memory, so
    // the undefined DC table decodes every code as category 0 without reading a bit: DC = 0,
    // which is grey 128, and the AC table then reads the first bit as end of block.
    const DecodedImage d = decode_image(jpeg_grey200("", "", false));
    REQUIRE(d.error == "");
    REQUIRE(d.image.width == 8);
    for (float v : d.image.px) REQUIRE(v == Approx(unit(128)).margin(1.0 / 255));
}

TEST_CASE("image: a 1000×10 picture is kept at 256×3 (aspect kept), each half its own colour", "[ui][image]") {
    const Rgb red{230, 20, 10}, blue{5, 40, 250};
    const auto px = pixels(1000, 10, [&](std::size_t x, std::size_t) { return x < 500 ? red : blue; });
    for (const Bytes& file : {bmp(1000, 10, px), png(1000, 10, px)}) {
        const DecodedImage d = decode_image(file);
        REQUIRE(d.ok());
        CHECK(d.file_width == 1000);
        CHECK(d.file_height == 10);
        REQUIRE(d.image.width == 256);
        REQUIRE(d.image.height == 3);  // 10 · 256 / 1000 = 2.56, rounded
        CHECK(std::fabs(static_cast<double>(d.image.height) - 10.0 * 256 / 1000) <= 0.5);  // aspect, to a pixel
        // Source column x lands in target column x·256/1000: x < 500 ↔ column < 128.
        for (std::size_t y = 0; y < 3; ++y) {
            check_pixel(d.image, 0, y, red);
            check_pixel(d.image, 127, y, red);
            check_pixel(d.image, 128, y, blue);
            check_pixel(d.image, 255, y, blue);
        }
    }
}

TEST_CASE("image: downscaling averages areas (uniform colour kept, 2×2 checker → mid grey)", "[ui][image]") {
    const Rgb c{91, 180, 7};
    const DecodedImage uniform =
        decode_image(bmp(700, 300, pixels(700, 300, [&](std::size_t, std::size_t) { return c; })));
    REQUIRE(uniform.ok());
    REQUIRE(uniform.image.width == 256);
    REQUIRE(uniform.image.height == 110);  // 300 · 256 / 700 = 109.7
    // Each kept value is (n·c) / (n·255), both exact in float: the same float as c / 255.
    std::size_t off = 0;
    for (std::size_t i = 0; i < uniform.image.px.size(); i += 3) {
        const float* p = &uniform.image.px[i];
        off += p[0] != unit(c.r) || p[1] != unit(c.g) || p[2] != unit(c.b);
    }
    CHECK(off == 0);

    // 512×512 one-pixel checkerboard of black and white: every kept pixel averages a 2×2 block.
    const Rgb black{0, 0, 0}, white{255, 255, 255};
    const auto board = pixels(512, 512, [&](std::size_t x, std::size_t y) { return (x + y) % 2 ? white : black; });
    const DecodedImage d = decode_image(bmp(512, 512, board));
    REQUIRE(d.ok());
    REQUIRE(d.image.width == 256);
    REQUIRE(d.image.height == 256);
    CHECK(std::all_of(d.image.px.begin(), d.image.px.end(), [](float v) { return v == 0.5f; }));

    // downscale() on floats, as the lesson uses it for the working size.
    RgbImage im(4, 2);
    for (std::size_t x = 0; x < 4; ++x) im.at(x, 0)[0] = static_cast<float>(x) / 4.0f;  // red: 0, .25, .5, .75
    const RgbImage half = downscale(im, 2, 1);
    REQUIRE(half.width == 2);
    REQUIRE(half.height == 1);
    CHECK(half.at(0, 0)[0] == Approx(0.0625f));  // (0 + .25 + 0 + 0) / 4
    CHECK(half.at(1, 0)[0] == Approx(0.3125f));  // (.5 + .75 + 0 + 0) / 4
    CHECK(downscale(im, 0, 1).empty());
}

TEST_CASE("image: fit keeps the aspect ratio, never enlarges, and never gives 0", "[ui][image]") {
    auto same = [](ImageSize a, std::size_t w, std::size_t h) { return a.width == w && a.height == h; };
    CHECK(same(fit(100, 50, 256), 100, 50));
    CHECK(same(fit(256, 256, 256), 256, 256));
    CHECK(same(fit(1000, 10, 256), 256, 3));
    CHECK(same(fit(10, 1000, 256), 3, 256));
    CHECK(same(fit(4096, 1, 256), 256, 1));
    CHECK(same(fit(4096, 3072, 96), 96, 72));
}

TEST_CASE("image: empty, garbage and truncated files are refused with a message", "[ui][image]") {
    DecodedImage d = decode_image("");
    CHECK(d.error == "the image file is empty");
    CHECK(d.image.empty());

    d = decode_image("this is not a png at all");
    CHECK_THAT(d.error, Catch::StartsWith("cannot decode the image (PNG, JPEG, BMP or GIF): "));
    CHECK(d.image.empty());
    CHECK(d.file_width == 0);

    // A valid 16×16 PNG cut in half: the header is intact, the pixel data is not.
    const Bytes whole = png(16, 16, pixels(16, 16, [](std::size_t x, std::size_t y) {
                                return Rgb{static_cast<std::uint8_t>(x * 16), static_cast<std::uint8_t>(y * 16), 99};
                            }));
    REQUIRE(decode_image(whole).ok());
    d = decode_image(whole.substr(0, whole.size() / 2));
    CHECK_THAT(d.error, Catch::StartsWith("cannot decode the 16×16 image: "));
    CHECK(d.image.empty());

    // Half a BMP: stb reads the missing rows as zeros, so what matters is no crash and
    // either a clean refusal or a 16×16 image.
    const Bytes b = bmp(16, 16, pixels(16, 16, [](std::size_t, std::size_t) { return Rgb{1, 2, 3}; }));
    d = decode_image(b.substr(0, b.size() / 2));
    CHECK((d.ok() ? d.image.width == 16 && d.image.height == 16 : d.error.find("image") != std::string::npos));
}

TEST_CASE("image: sizes beyond 4096 are refused from the header, naming the size", "[ui][image]") {
    CHECK(decode_image(png_header(5000, 10)).error == "image is 5000×10, larger than 4096×4096");
    CHECK(decode_image(png_header(10, 4097)).error == "image is 10×4097, larger than 4096×4096");
    // A BMP header alone (no pixel data) is enough too: nothing is decoded.
    CHECK(decode_image(bmp(6000, 4000, {})).error == "image is 6000×4000, larger than 4096×4096");
    CHECK(decode_image(png_header(20000, 5000)).error == "image is 20000×5000, larger than 4096×4096");
    // Past STBI_MAX_DIMENSIONS (65536) stb refuses the header by itself; stbi_info then only
    // says that no format matched.
    CHECK(decode_image(png_header(65537, 10)).error ==
          "cannot decode the image (PNG, JPEG, BMP or GIF): unknown image type");
    // 4096 itself is allowed through the size check (the missing pixels then fail the decode).
    CHECK_THAT(decode_image(png_header(4096, 4096)).error, Catch::StartsWith("cannot decode the 4096×4096 image: "));
}

TEST_CASE("image: a picture with no pixels is refused", "[ui][image]") {
    // stb's PNG reader refuses a 0-pixel header itself (stbi_info: no format matched).
    CHECK(decode_image(png_header(0, 5)).error ==
          "cannot decode the image (PNG, JPEG, BMP or GIF): unknown image type");
    CHECK(decode_image(bmp(0, 2, {})).error == "image is 0×2, which has no pixels");
    CHECK(decode_image(bmp(3, 0, {})).error == "image is 3×0, which has no pixels");
}

TEST_CASE("image: a PNG whose deflate stream inflates far past its pixels is refused", "[ui][image]") {
    // A 16×1 grey picture needs 17 inflated bytes; this 1 MB stream inflates to 150 MiB. stb
    // doubles its buffer from 17 bytes while the stream lasts, 17·2^23 B = 136 MiB → 17·2^24 B
    // = 272 MiB; the 256 MiB cap on stb's blocks (stb_image.cpp) refuses the second.
    const Bytes bomb = png_of_idat(16, 1, 0, zlib_zeros(std::size_t{150} << 20));
    CHECK(bomb.size() < (std::size_t{1} << 20));
    const DecodedImage d = decode_image(bomb);
    CHECK(d.error == "cannot decode the 16×1 image: outofmem");
    CHECK(d.image.empty());
}
