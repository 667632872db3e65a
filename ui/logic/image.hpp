// image.hpp — RGB images for the convolutional lesson, and decoding the user's own picture.
//
// Bytes from an untrusted file (the browser's file picker, a dropped file) become a small
// float RGB image. Decoding is stb_image's (ui/stb_image.cpp), behind these limits:
//   - at most kMaxDecodeSide pixels on each side, checked from the header (stbi_info) before
//     anything proportional to the picture is allocated; larger ones are refused with their
//     size named (stb itself refuses sides above 65536, STBI_MAX_DIMENSIONS);
//   - at most INT_MAX bytes (stb's lengths are int);
//   - no single allocation inside stb above 256 MiB (a zlib bomb in a PNG fails cleanly), and
//     every block stb allocates starts zeroed (stb 2.27 reads undefined JPEG tables);
//   - JPEG Huffman tables with more than 256 codes are refused before stb sees them (stb 2.27
//     writes past its arrays on them; image.cpp explains);
//   - the decoded picture is kept at most kKeepSide pixels on its longest side, area-averaged
//     straight from stb's 8-bit pixels (a 4096×4096 upload never becomes 200 MB of floats).
// Formats: PNG, JPEG, BMP, GIF (the first frame). No files are opened here: bytes come in.
//
// What it deliberately does not do: keep the alpha channel, colour-manage, or enlarge.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace attn::ui {

constexpr int kMaxDecodeSide = 4096;    // larger images are refused before decoding
constexpr std::size_t kKeepSide = 256;  // a decoded image is kept at most this size (longest side)

struct RgbImage {
    std::size_t width = 0, height = 0;
    std::vector<float> px;  // px: (height, width, 3), row-major, RGB in [0, 1]

    RgbImage() = default;
    RgbImage(std::size_t w, std::size_t h) : width(w), height(h), px(3 * w * h, 0.0f) {}
    float* at(std::size_t x, std::size_t y) { return &px[3 * (y * width + x)]; }
    const float* at(std::size_t x, std::size_t y) const { return &px[3 * (y * width + x)]; }
    bool empty() const { return width == 0 || height == 0; }
};

struct ImageSize {
    std::size_t width = 0, height = 0;
};

// The longest side becomes `side` (never enlarged), the aspect ratio is kept (rounded, and
// never below 1 pixel). A size that already fits is returned unchanged.
ImageSize fit(std::size_t width, std::size_t height, std::size_t side);

// Area average onto a w×h grid: every source pixel adds to the target pixel it falls in, and
// each target pixel is the mean of its sources. Meant for w ≤ src.width, h ≤ src.height (a
// target pixel no source pixel falls in stays black). w or h = 0 gives an empty image.
RgbImage downscale(const RgbImage& src, std::size_t w, std::size_t h);

struct DecodedImage {
    RgbImage image;                               // at most kKeepSide on its longest side; empty on error
    std::size_t file_width = 0, file_height = 0;  // the picture's size in the file (set on success)
    std::string error;                            // empty on success, else a sentence for the UI
    bool ok() const { return error.empty(); }
};

// Decodes PNG, JPEG, BMP or GIF bytes (GIF: the first frame). Never throws for bad bytes; every
// failure comes back in `error` and mentions "image" (e.g. "image is 5000×10, larger than
// 4096×4096", "cannot decode the image (PNG, JPEG, BMP or GIF): bad png sig").
DecodedImage decode_image(std::string_view bytes);

}  // namespace attn::ui
