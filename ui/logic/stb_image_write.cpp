// stb_image_write.cpp: the one translation unit that compiles stb_image_write (third-party,
// built without our warning flags), in attn_export. export.cpp encodes heatmaps to memory with
// it; the desktop shell (native/desktop) writes its screenshots with stbi_write_png, so stdio
// stays compiled in.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
