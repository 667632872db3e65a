// stb_image.cpp: the one translation unit that compiles stb_image (decoding the images a user
// opens in the convolutional lesson). Only the formats the app offers are compiled in, and no
// stdio: ui/ never touches files, bytes arrive through Lesson::load_file.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
