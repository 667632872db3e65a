// libFuzzer target: image decoding (ui/image.hpp) of untrusted uploads, through stb_image's PNG,
// JPEG, BMP and GIF readers. Decoding must never crash, leak or throw; a success must be a
// 1..256-pixel image whose every value is a finite number in [0, 1]; a failure must say why, in
// a sentence that names the image (the app's status line; the browser test looks for "image").
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image.hpp"

// The libraries are built with recoverable UBSan checks (finer coverage feedback than
// -fno-sanitize-recover gives them), so stb_image's undefined behaviour (the JPEG Huffman
// table overflow was found this way) would only print a line; halt on it instead.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const attn::ui::DecodedImage d = attn::ui::decode_image(bytes);
    if (!d.ok()) {
        if (d.error.find("image") == std::string::npos) std::abort();
        if (!d.image.empty()) std::abort();  // a failure keeps no half-made picture
        return 0;
    }
    const attn::ui::RgbImage& im = d.image;
    if (im.width < 1 || im.width > attn::ui::kKeepSide || im.height < 1 || im.height > attn::ui::kKeepSide)
        std::abort();
    if (im.px.size() != im.width * im.height * 3) std::abort();
    if (d.file_width < im.width || d.file_height < im.height) std::abort();
    const auto max_side = static_cast<std::size_t>(attn::ui::kMaxDecodeSide);
    if (d.file_width > max_side || d.file_height > max_side) std::abort();
    for (float v : im.px)
        if (!std::isfinite(v) || v < 0.0f || v > 1.0f) std::abort();
    return 0;
}
