// conv.cpp — the lesson on attention inside a convolutional network.
//
// An image (four built-in procedural pictures, or the user's own, decoded by image.hpp)
// goes through a small FIXED filter bank — colour, brightness, centre-surround blob, texture
// and edge filters, each followed by ReLU — giving C = 8 feature maps. Then either
// squeeze-and-excitation (attn::squeeze_excitation: pool → MLP → σ → scale channels) or CBAM
// (attn::cbam: the same channel attention from average and max pools, then a spatial map
// M = σ(conv_k×k([mean_c; max_c])) that multiplies every pixel). The MLP and the k×k kernel
// are set by hand so the numbers can be read, not trained; the text says so.
//
// What it deliberately does not do: learn anything, keep the user's image in scenario files
// or links (only the built-in choice is a parameter), or work above 96×96 pixels (the maps
// are for looking at, and the core's loops are direct).
//
// The pictures, the filter bank, the hand-set weights and the RGBA8 pixels: conv_example.hpp
// (ui/logic, unit tested).
//
// [SECTION] Lesson       parameters, recompute, view, export
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "attn/conv_attention.hpp"
#include "conv_example.hpp"
#include "image.hpp"
#include "lesson.hpp"
#include "widgets/charts.hpp"
#include "widgets/flow.hpp"
#include "widgets/image_view.hpp"

namespace attn::ui {

namespace {

constexpr int kMaxWork = 96;  // working size: feature maps are at most 96×96

// ============================================================================================
// [SECTION] Lesson
// ============================================================================================

enum ImageChoice { disc, checker, stripes, house, uploaded };
const std::vector<std::string> kImageNames = {"disc", "checker", "stripes", "house", "uploaded"};
const std::vector<std::string> kReductions = {"1", "2", "4", "8"};
const std::vector<std::string> kKernels = {"3", "5", "7"};

class ConvLesson final : public Lesson {
public:
    ConvLesson() {
        trace_.reset(Trace::Detail::rows, 1000);  // one step per channel for the scaling
        params_.set_widget_width(11.0f);
        params_.add_choice("image", &image_, kImageNames, disc)
            .choice_labels({"disc on noise", "checkerboard", "stripes", "house", "uploaded image"});
        params_.add_choice("mode", &mode_, {"se", "cbam"}, 1)
            .label("attention")
            .choice_labels({"squeeze-and-excitation", "CBAM (channel + spatial)"});
        params_.add_choice("r", &reduction_, kReductions, 0)
            .label("reduction r")
            .choice_labels({"1 (8 hidden units)", "2 (4 hidden units)", "4 (2 hidden units)", "8 (1 hidden unit)"});
        params_.add_choice("k", &kernel_, kKernels, 2)
            .label("kernel k")
            .choice_labels({"3×3", "5×5", "7×7"})
            .shown([this] { return mode_ == 1; });
        params_.add_int("size", &size_, 16, kMaxWork, 64).label("working size").format("%d px");
        params_.add_seed("seed", &seed_, 1).label("noise seed").shown([this] { return image_ == disc; });
        params_.add_float("overlay", &overlay_, 0.0f, 1.0f, 0.55f)
            .label("overlay opacity")
            .format("%.2f")
            .view_only()
            .shown([this] { return mode_ == 1; });
    }
    const char* id() const override { return "conv"; }
    const char* title() const override { return "Convolutional"; }

    void explain() override {
        ImGui::TextUnformatted("Attention in a convolutional network");
        ImGui::TextUnformatted(
            "Here attention does not compare tokens: it decides which feature maps (channels) and which places "
            "matter, and multiplies them by weights between 0 and 1. The C = 8 maps come from fixed filters: red, "
            "green, blue, brightness, a bright blob, fine texture, horizontal and vertical edges.");
        ImGui::TextUnformatted(
            "Squeeze-and-excitation averages each map to one number, sends the C numbers through a bottleneck "
            "MLP (C → C/r → C) and a sigmoid, and scales map c by its gate s_c. CBAM feeds both the average and "
            "the maximum of each map to that MLP, then makes a spatial map: per pixel, the mean and the max over "
            "channels, a k×k convolution and a sigmoid give M, which dims the places that matter less.");
        ImGui::TextUnformatted(
            "The MLP and the kernel are set by hand, not trained. With r = 1 each hidden unit fires when its "
            "channel stands out from the rest; a larger r groups channels so they share a gate. Your own image "
            "(Open image…, or drop a file on the desktop window) is not saved in scenarios or links.");
    }

    std::string load_file(const std::string& kind, const std::string& bytes) override {
        if (kind != "image") return "the Convolutional lesson opens images, not " + kind.substr(0, 20) + " files";
        DecodedImage decoded = decode_image(bytes);
        upload_error_ = decoded.error;
        if (!decoded.ok()) return upload_error_;
        uploaded_ = std::move(decoded.image);
        uploaded_size_ = std::to_string(decoded.file_width) + "×" + std::to_string(decoded.file_height);
        image_ = uploaded;
        changed();
        return "";
    }

    void recompute() override {
        const auto side = static_cast<std::size_t>(size_);
        placeholder_ = false;
        switch (image_) {
            case disc: image_rgb_ = make_disc(side, static_cast<std::uint32_t>(seed_)); break;
            case checker: image_rgb_ = make_checker(side); break;
            case stripes: image_rgb_ = make_stripes(side); break;
            case house: image_rgb_ = make_house(side); break;
            default:
                if (uploaded_.empty()) {  // nothing uploaded yet: a flat grey stand-in keeps the view alive
                    placeholder_ = true;
                    image_rgb_ = RgbImage(side, side);
                    std::fill(image_rgb_.px.begin(), image_rgb_.px.end(), 0.5f);
                } else {
                    const ImageSize work = fit(uploaded_.width, uploaded_.height, side);
                    image_rgb_ = downscale(uploaded_, work.width, work.height);
                }
        }
        x_ = filter_bank(image_rgb_);
        const std::size_t r = std::stoul(kReductions[static_cast<std::size_t>(reduction_)]);
        const std::size_t k = std::stoul(kKernels[static_cast<std::size_t>(kernel_)]);
        mlp_ = channel_mlp(r);
        conv_ = spatial_kernel(k);
        if (mode_ == 0) {
            se_ = squeeze_excitation(x_, mlp_, &trace_);
            gates_ = se_.weights;
        } else {
            cbam_ = cbam(x_, mlp_, conv_, &trace_);
            gates_ = cbam_.channel_weights;
        }
        // Which step scales each channel, and where the channel and spatial stages end.
        const std::string scaled = mode_ == 0 ? "output" : "channel_refined";
        scale_step_.assign(kConvChannels, 0);
        gates_step_ = spatial_step_ = apply_step_ = ~std::size_t{0};
        for (const Step& s : trace_.steps()) {
            if (s.focus.kind == Focus::Kind::row && s.focus.matrix == scaled && s.focus.row < kConvChannels)
                scale_step_[s.focus.row] = s.id;
            for (const auto& w : s.writes) {
                if (w == "channel_weights") gates_step_ = s.id;
                if (w == "spatial_weights") spatial_step_ = s.id;
                if (w == "output" && mode_ == 1) apply_step_ = s.id;
            }
        }
        // Feature tiles share one colour scale, so a gate that halves a channel visibly dims it.
        float hi = 0.0f;
        for (std::size_t c = 0; c < kConvChannels; ++c)
            for (std::size_t p = 0; p < x_.data.cols(); ++p) hi = std::max(hi, x_.data(c, p));
        tile_hi_ = std::max(hi, 1e-3f);
        textures_dirty_ = true;
    }

    void view(const LessonContext& ctx) override {
        step_panel(ctx.step);
        const float font = ImGui::GetFontSize();
        const float avail = ImGui::GetContentRegionAvail().x;
        const std::size_t H = x_.height, W = x_.width;
        const bool is_cbam = mode_ == 1;
        const bool spatial_ready = is_cbam && ctx.step >= spatial_step_;
        upload_textures(ctx);
        // Three rows share the height: image and gates, feature maps, the spatial branch (CBAM).
        const float line = ImGui::GetTextLineHeightWithSpacing();
        const float height = std::max(ImGui::GetContentRegionAvail().y, font * 30.0f);
        // A narrow view (a phone) takes the rows' parts one under another.
        const bool narrow = avail < font * 36.0f;

        // Row 1: the image (with M over it once computed), the attended image, the gates.
        const float img =
            std::clamp(std::min(narrow ? (avail - font) * 0.45f : avail * 0.18f, height * (is_cbam ? 0.28f : 0.4f)),
                       std::min(font * 6.0f, (avail - font) * 0.45f), font * 14.0f);
        const float aspect = static_cast<float>(H) / static_cast<float>(std::max<std::size_t>(W, 1));
        // The picture fits an img × img box, its aspect ratio kept (heatmaps below do the same).
        const ImVec2 img_size = aspect > 1.0f ? ImVec2(img / aspect, img) : ImVec2(img, img * aspect);
        ImGui::BeginGroup();
        ImGui::Text("image (%zu×%zu as computed)", W, H);
        if (image_view_.ready()) {
            const ImageHover hv = image_view_.draw(img_size);
            if (spatial_ready && overlay_view_.ready() && overlay_ > 0.0f) overlay_view_.draw_over_last_item(overlay_);
            if (hv.active) pixel_tooltip(hv.x, hv.y);
        }
        if (placeholder_)
            ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.3f, 1.0f), "no image uploaded yet");
        else if (image_ == uploaded)
            ImGui::TextDisabled("uploaded, %s", uploaded_size_.c_str());
        else if (spatial_ready)
            ImGui::TextDisabled("M overlaid (colormap)");
        open_button(ctx);
        ImGui::EndGroup();
        if (is_cbam) {
            // Beside the image where both fit (a phone's width may not: then below it).
            flow_same_line(std::max(img_size.x, ImGui::CalcTextSize("what passes: image × M").x), font);
            ImGui::BeginGroup();
            ImGui::TextUnformatted("what passes: image × M");
            if (spatial_ready && gated_view_.ready()) {
                const ImageHover hv = gated_view_.draw(img_size);
                if (hv.active) pixel_tooltip(hv.x, hv.y);
            } else {
                ImGui::Dummy(img_size);
                const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
                ImGui::GetWindowDrawList()->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg));
                ImGui::GetWindowDrawList()->AddText(ImVec2(a.x + font * 0.5f, a.y + font * 0.5f),
                                                    ImGui::GetColorU32(ImGuiCol_TextDisabled), "M not computed yet");
            }
            ImGui::EndGroup();
        }
        if (!narrow) ImGui::SameLine(0.0f, font * 1.5f);
        ImGui::BeginGroup();
        gates_panel(ctx, std::max(ImGui::GetContentRegionAvail().x - font * 0.5f, font * 14.0f), img + 2.5f * line);
        ImGui::EndGroup();

        // Row 2: the feature maps before and after the channel gates (after M at the last step).
        ImGui::Spacing();
        const float tile =
            std::clamp(std::min((avail - font * 3.0f) / (narrow ? 4.0f : 8.0f) - ImGui::GetStyle().ItemSpacing.x,
                                (height * (is_cbam ? 0.3f : 0.45f) - 3 * line) / 2.0f),
                       36.0f, font * 7.0f);
        ImGui::BeginGroup();
        ImGui::TextUnformatted("x: feature maps (fixed filters, ReLU)");
        tiles(input_tiles_, input_keys_, x_, ctx, tile, nullptr);
        ImGui::EndGroup();
        if (!narrow) ImGui::SameLine(0.0f, font * 2.0f);
        ImGui::BeginGroup();
        const bool applied = is_cbam && ctx.step >= apply_step_;
        if (!is_cbam)
            ImGui::TextUnformatted("y_c = s_c · x_c (same colour scale)");
        else if (applied)
            ImGui::TextUnformatted("y_c = M ⊙ x'_c (after the spatial map)");
        else
            ImGui::TextUnformatted("x'_c = s_c · x_c (same colour scale)");
        tiles(output_tiles_, output_keys_,
              applied   ? cbam_.output
              : is_cbam ? cbam_.channel_refined
                        : se_.output,
              ctx, tile, &scale_step_);
        ImGui::EndGroup();

        // Row 3 (CBAM): the spatial branch.
        if (is_cbam) {
            ImGui::Spacing();
            const float m =
                std::clamp(std::min((avail - font * 4.0f) / (narrow ? 3.0f : 6.0f) - ImGui::GetStyle().ItemSpacing.x,
                                    height * 0.22f - line),
                           40.0f, font * 9.0f);
            const ImVec2 ms(m, m);
            struct Item {
                const char* label;
                const char* name;
                const Matrix* value;
            };
            const Item items[] = {{"A = mean_c x'", "spatial_avg", &cbam_.spatial_avg},
                                  {"Mx = max_c x'", "spatial_max", &cbam_.spatial_max},
                                  {"Ka (k×k, on A)", "kernel_avg", trace_.matrix("kernel_avg")},
                                  {"Km (k×k, on Mx)", "kernel_max", trace_.matrix("kernel_max")},
                                  {"L = conv + b", "spatial_logits", trace_.matrix("spatial_logits")},
                                  {"M = σ(L)", "spatial_weights", &cbam_.spatial_weights}};
            for (std::size_t i = 0; i < 6; ++i) {
                if (i > 0 && !(narrow && i == 3)) ImGui::SameLine();  // narrow: two rows of three
                ImGui::BeginGroup();
                if (items[i].value) matrix_view(items[i].label, items[i].name, *items[i].value, ctx, ms);
                ImGui::EndGroup();
            }
        }
    }

    ShownMatrix shown_matrix(std::size_t step) const override {
        const auto& steps = trace_.steps();
        if (steps.empty()) return {};
        const Step& s = steps[std::min(step, steps.size() - 1)];
        const std::string name = s.focus.kind != Focus::Kind::none ? s.focus.matrix
                                 : s.writes.empty()                ? ""
                                                                   : s.writes[0];
        const std::vector<std::string> channels(kConvChannelShort, kConvChannelShort + kConvChannels);
        auto plane = [&](const Matrix& m, std::size_t c) {  // channel c of a (C, H·W) map as H×W
            Matrix out(x_.height, x_.width);
            for (std::size_t p = 0; p < x_.data.cols(); ++p) out(p / x_.width, p % x_.width) = m(c, p);
            return out;
        };
        if ((name == "output" || name == "channel_refined") && s.focus.kind == Focus::Kind::row) {
            const Matrix* m = trace_.matrix(name);
            if (!m) return {};
            return {name + " channel " + std::to_string(s.focus.row) + " (" + kConvChannelNames[s.focus.row] + ")",
                    plane(*m, s.focus.row),
                    {},
                    {}};
        }
        if (name == "output") {  // CBAM's last step: y = M ⊙ x', shown as the mean over channels
            Matrix mean(x_.height, x_.width);
            for (std::size_t p = 0; p < x_.data.cols(); ++p) {
                double sum = 0;
                for (std::size_t c = 0; c < kConvChannels; ++c) sum += cbam_.output.data(c, p);
                mean(p / x_.width, p % x_.width) = static_cast<float>(sum / kConvChannels);
            }
            return {"output (mean over channels)", mean, {}, {}};
        }
        const Matrix* m = trace_.matrix(name);
        if (!m) return {};
        std::vector<std::string> rows, cols;
        if (m->cols() == kConvChannels) cols = channels;
        if (name == "mlp_out" || name == "mlp_hidden") rows = {"avg", "max"};
        if (name == "hidden" || name == "mlp_hidden")
            for (std::size_t k = 0; k < m->cols(); ++k) cols.push_back("h" + std::to_string(k));
        return {name, *m, rows, cols};
    }

private:
    // The gates: pooled descriptors and hidden units in a column, the channel weights as a bar
    // chart beside them, fitted into about width × height pixels.
    void gates_panel(const LessonContext& ctx, float width, float height) {
        const std::vector<std::string> channels(kConvChannelShort, kConvChannelShort + kConvChannels);
        const bool is_cbam = mode_ == 1;
        const float font = ImGui::GetFontSize(), line = ImGui::GetTextLineHeightWithSpacing();
        // Cell rows: the pooled vector(s) and the hidden units (two rows in CBAM: avg and max).
        const float cell_rows = is_cbam ? 4.0f : 2.0f, labels = is_cbam ? 3.0f : 2.0f;
        const float gutter = font * 2.5f;  // room for the "avg"/"max" row labels
        const float cell = std::clamp(
            std::min({(height - labels * line - font * 1.4f) / cell_rows, (width * 0.6f - gutter) / 8.0f, font * 2.8f}),
            font * 1.1f, font * 3.0f);
        const ImVec2 row(cell * 8.0f + gutter, cell + font * 1.4f);
        const float hidden_w = cell * static_cast<float>(mlp_.w1.rows()) + gutter;
        ImGui::BeginGroup();
        if (!is_cbam) {
            if (const Matrix* z = trace_.matrix("pooled"))
                matrix_view("z = mean of each map (squeeze)", "pooled", *z, ctx, row, nullptr, &channels);
            if (const Matrix* h = trace_.matrix("hidden"))
                matrix_view("h = ReLU(W1 z + b1) (excite)", "hidden", *h, ctx, ImVec2(hidden_w, cell), nullptr,
                            nullptr);
        } else {
            static const std::vector<std::string> pools = {"avg", "max"};
            const Matrix* a = trace_.matrix("avg_pooled");
            const Matrix* m = trace_.matrix("max_pooled");
            if (a && m) {
                matrix_view("average pool", "avg_pooled", *a, ctx, row, nullptr, &channels);
                matrix_view("max pool", "max_pooled", *m, ctx, ImVec2(row.x, cell), nullptr, nullptr);
            }
            if (const Matrix* h = trace_.matrix("mlp_hidden"))
                matrix_view("h = ReLU(W1 z + b1), z = avg, max", "mlp_hidden", *h, ctx, ImVec2(hidden_w, 2.0f * cell),
                            &pools, nullptr);
        }
        ImGui::EndGroup();
        flow_same_line(font * 10.0f, font);  // the gates beside the pools, or below them on a phone
        // Bars appear when the sigmoid step has run.
        ImGui::BeginGroup();
        std::vector<float> shown(kConvChannels, 0.0f);
        if (ctx.step >= gates_step_) shown = gates_;
        ImGui::TextUnformatted("channel gates s (0..1)");
        ImGui::TextDisabled("%s", is_cbam ? "σ(MLP(avg) + MLP(max))" : "σ(W2 h + b2)");
        const float bar_w = std::max(ImGui::GetContentRegionAvail().x - font * 0.5f, font * 8.0f);
        bar_chart("gates", shown, &channels, ImVec2(bar_w, std::max(height - 2.0f * line, font * 5.0f)), 1.0f,
                  ImGui::GetColorU32(ImGuiCol_PlotHistogram));
        ImGui::EndGroup();
    }

    // Eight small heatmaps, one per channel, on one colour scale. reveal: the step at which
    // channel c appears (nullptr: always shown).
    struct TileKey {
        std::uint64_t version = ~0ull;
        const FeatureMap* source = nullptr;
        bool pending = false;
    };
    void tiles(Heatmap (&maps)[kConvChannels], TileKey (&keys)[kConvChannels], const FeatureMap& f,
               const LessonContext& ctx, float size, const std::vector<std::size_t>* reveal) {
        for (std::size_t c = 0; c < kConvChannels; ++c) {
            if (c % 4 != 0) ImGui::SameLine();
            ImGui::BeginGroup();
            const bool pending = reveal && ctx.step < (*reveal)[c];
            // Upload only when the numbers, the source map or the channel's state changed.
            TileKey& key = keys[c];
            if (key.version != version_ || key.source != &f || key.pending != pending) {
                const Matrix plane_m = plane(f, c);
                maps[c].set(
                    plane_m,
                    pending ? std::vector<CellState>(plane_m.size(), CellState::pending) : std::vector<CellState>{},
                    0.0f, tile_hi_);
                key = {version_, &f, pending};
            }
            maps[c].set_colormap(ctx.colormap);
            HeatmapOptions opt;
            opt.show_values = false;
            char id[32];
            std::snprintf(id, sizeof id, "tile%zu", c);
            maps[c].draw(id, ImVec2(size, size), opt);  // square cells, fitted into the box
            if (reveal && !pending && c < gates_.size())
                ImGui::TextDisabled("%s ·%.2f", kConvChannelShort[c], static_cast<double>(gates_[c]));
            else
                ImGui::TextDisabled("%s", kConvTileNames[c]);
            ImGui::EndGroup();
        }
    }

    static Matrix plane(const FeatureMap& f, std::size_t c) {
        Matrix m(f.height, f.width);
        for (std::size_t y = 0; y < f.height; ++y)
            for (std::size_t x = 0; x < f.width; ++x) m(y, x) = f.at(c, y, x);
        return m;
    }

    void upload_textures(const LessonContext& ctx) {
        if (!textures_dirty_ && texture_colormap_ == ctx.colormap) return;
        image_view_.set(image_rgb_.width, image_rgb_.height, rgba_of(image_rgb_, nullptr));
        if (mode_ == 1 && cbam_.spatial_weights.rows() == image_rgb_.height) {
            overlay_view_.set(image_rgb_.width, image_rgb_.height, overlay_of(cbam_.spatial_weights, ctx.colormap));
            gated_view_.set(image_rgb_.width, image_rgb_.height, rgba_of(image_rgb_, &cbam_.spatial_weights));
        }
        textures_dirty_ = false;
        texture_colormap_ = ctx.colormap;
    }

    // Pixel (x, y) under the mouse: colour, and M once it exists.
    void pixel_tooltip(std::size_t x, std::size_t y) {
        if (x >= image_rgb_.width || y >= image_rgb_.height) return;
        const float* p = image_rgb_.at(x, y);
        ImGui::BeginTooltip();
        ImGui::Text("pixel (x=%zu, y=%zu)  RGB %.2f %.2f %.2f", x, y, double(p[0]), double(p[1]), double(p[2]));
        if (mode_ == 1 && y < cbam_.spatial_weights.rows() && x < cbam_.spatial_weights.cols())
            ImGui::Text("M = %.3f", static_cast<double>(cbam_.spatial_weights(y, x)));
        ImGui::EndTooltip();
    }

    // "Open image…": the browser's file picker, or a path field on the desktop.
    void open_button(const LessonContext& ctx) {
        if (ImGui::Button("Open image…") && !(ctx.platform && ctx.platform->request_open("image")))
            ImGui::OpenPopup("image-path");
        if (ImGui::BeginPopup("image-path")) {
            char buf[1024];
            std::snprintf(buf, sizeof buf, "%s", path_.c_str());
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 20);
            const bool enter =
                ImGui::InputText("path (PNG, JPEG, BMP, GIF)", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
            path_ = buf;
            if (enter) {
                std::string bytes, err;
                if (ctx.platform && ctx.platform->read_file(path_, bytes, err))
                    load_file("image", bytes);
                else
                    upload_error_ = err;
                ImGui::CloseCurrentPopup();
            }
            ImGui::EndPopup();
        }
        if (!upload_error_.empty()) {
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 14.0f);
            ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.35f, 1.0f), "%s", upload_error_.c_str());
            ImGui::PopTextWrapPos();
        }
    }

    int image_, mode_, reduction_, kernel_, size_, seed_;  // values: the declarations in the constructor
    float overlay_;
    RgbImage uploaded_, image_rgb_;
    std::string uploaded_size_, upload_error_, path_;
    bool placeholder_ = false, textures_dirty_ = true;
    Colormap texture_colormap_ = Colormap::viridis;
    FeatureMap x_;
    ChannelMLP mlp_;
    SpatialConv conv_;
    SEResult se_;
    CBAMResult cbam_;
    std::vector<float> gates_;
    std::vector<std::size_t> scale_step_;
    std::size_t gates_step_ = 0, spatial_step_ = 0, apply_step_ = 0;
    float tile_hi_ = 1.0f;
    Heatmap input_tiles_[kConvChannels], output_tiles_[kConvChannels];
    TileKey input_keys_[kConvChannels], output_keys_[kConvChannels];
    ImageView image_view_, overlay_view_, gated_view_;
};

}  // namespace

std::unique_ptr<Lesson> make_conv_lesson() { return std::make_unique<ConvLesson>(); }

}  // namespace attn::ui
