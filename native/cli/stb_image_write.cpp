// stb_image_write.cpp: the one translation unit that compiles stb_image_write (third-party,
// built without our warning flags). output.cpp uses it to encode the PNG heatmap.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO  // we encode to memory; files are written by output.cpp
#include <stb/stb_image_write.h>
