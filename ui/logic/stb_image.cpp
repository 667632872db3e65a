// stb_image.cpp: the one translation unit that compiles stb_image (decoding the images a user
// opens in the convolutional lesson, through image.cpp). Only the formats the app offers are
// compiled in, and no stdio: ui/ never touches files, bytes arrive through Lesson::load_file.
//
// Guards on what stb may do with untrusted bytes (image.hpp lists all the limits):
//   - image.cpp reads the size with stbi_info and refuses sides above 4096 before stbi_load,
//     so nothing proportional to the picture is allocated for a larger one.
//   - Every block stb allocates starts zeroed. stb 2.27 mallocs its JPEG decoder state without
//     clearing it, and a scan may name a Huffman table no DHT segment defined: stb then decodes
//     with whatever the heap held, and a garbage table sends a symbol index out of its 256-entry
//     arrays (found by tests/fuzz/fuzz_image; upstream clears the state since 2.28). A zeroed
//     table is harmless: every code decodes to symbol 0, deterministically.
//   - No single allocation inside stb above 256 MiB. The largest block a picture within
//     4096×4096 needs is a 16-bit RGBA PNG's inflated rows, 4096·(4096·8 + 1) B ≈ 128 MiB.
//     stb's inflater keeps doubling its buffer while a PNG's deflate stream lasts, past the
//     size the header implies, so about 1 MB of PNG could otherwise ask for gigabytes (a
//     "zlib bomb"); a refused block makes stb fail with "outofmem" and free what it holds.
//   - STBI_MAX_DIMENSIONS = 65536 (stb's default is 2^24): stb refuses larger sides itself,
//     whoever calls it. Not 4096, image.cpp's own limit: when stbi_info refuses a header its
//     only reason is "unknown image type", whereas image.cpp can tell the user "image is
//     20000×5000, larger than 4096×4096" if stbi_info reports the size. JPEG and GIF store
//     sizes in 16 bits, so only PNG and BMP headers can exceed 65536.
#include <cstddef>
#include <cstdlib>

namespace {

constexpr std::size_t kStbMaxBlock = std::size_t{256} << 20;

void* stb_guarded_malloc(std::size_t n) { return n > kStbMaxBlock ? nullptr : std::calloc(1, n); }
void* stb_guarded_realloc(void* p, std::size_t n) { return n > kStbMaxBlock ? nullptr : std::realloc(p, n); }

}  // namespace

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define STBI_MALLOC(size) stb_guarded_malloc(size)
#define STBI_REALLOC(p, size) stb_guarded_realloc(p, size)
#define STBI_FREE(p) std::free(p)
#define STBI_MAX_DIMENSIONS (1 << 16)
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
