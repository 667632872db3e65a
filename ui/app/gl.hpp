// gl.hpp: the one place that knows how GL is reached: GLES 3.0 (WebGL2) under Emscripten,
// desktop OpenGL 3.3 core through Mesa's libGL prototypes natively. The GLSL sources in
// shaders/ are written once in the common subset; shader_header() gives the #version line.
#pragma once

#if defined(__EMSCRIPTEN__)
#include <GLES3/gl3.h>
#else
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/gl.h>
#include <GL/glext.h>
#endif

namespace attn::ui {

inline const char* shader_header() {
#if defined(__EMSCRIPTEN__)
    return "#version 300 es\nprecision highp float;\nprecision highp int;\nprecision highp sampler2D;\n";
#else
    return "#version 330 core\n";
#endif
}

}  // namespace attn::ui
