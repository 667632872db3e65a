// heatmap.frag: one matrix cell per texel of u_values, coloured through u_colormap.
// u_values is RG32F: r = value, g = cell state (0 shown, 1 masked, 2 not computed yet).
uniform sampler2D u_values;
uniform sampler2D u_colormap;  // 256×1 RGBA
uniform vec2 u_range;          // value mapped to the first and last colour
uniform ivec2 u_size;          // columns, rows
in vec2 v_uv;
out vec4 frag_color;
void main() {
    ivec2 cell = clamp(ivec2(v_uv * vec2(u_size)), ivec2(0), u_size - ivec2(1));
    vec2 texel = texelFetch(u_values, cell, 0).rg;
    if (texel.g > 1.5) {  // not computed yet: a dark placeholder
        frag_color = vec4(0.13, 0.14, 0.16, 1.0);
        return;
    }
    if (texel.g > 0.5) {  // masked: diagonal hatching
        float stripe = mod(floor((gl_FragCoord.x + gl_FragCoord.y) / 4.0), 2.0);
        frag_color = mix(vec4(0.20, 0.20, 0.22, 1.0), vec4(0.32, 0.32, 0.35, 1.0), stripe);
        return;
    }
    float span = u_range.y - u_range.x;
    float t = span > 0.0 ? clamp((texel.r - u_range.x) / span, 0.0, 1.0) : 0.5;
    frag_color = texture(u_colormap, vec2(t * (255.0 / 256.0) + 0.5 / 256.0, 0.5));
}
