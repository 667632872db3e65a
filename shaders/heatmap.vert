// heatmap.vert: a screen rectangle from four vertex ids (no vertex buffer).
// The build prepends "#version 330 core" (desktop) or "#version 300 es" + precisions (WebGL2).
uniform vec4 u_rect;  // x0, y0 (top left), x1, y1 (bottom right) in normalised device coords
out vec2 v_uv;        // (0, 0) at the top-left cell, (1, 1) at the bottom-right
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = corner;
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, corner), 0.0, 1.0);
}
