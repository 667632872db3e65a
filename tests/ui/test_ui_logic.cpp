// UI logic that needs no GL: parameters, deep links, the step player, scenarios, reveal maps
// and colormaps. Runs natively and compiled to wasm.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "attn/attention.hpp"
#include "colormap.hpp"
#include "examples.hpp"
#include "link.hpp"
#include "params.hpp"
#include "scenario.hpp"
#include "frame_pacer.hpp"
#include "step_player.hpp"
#include "trace_view.hpp"

using namespace attn::ui;

TEST_CASE("params: values round-trip as text and bad values are refused with the old value kept", "[ui][params]") {
    int n = 5, mode = 1;
    float t = 1.5f;
    bool scaled = true;
    ParamSet p;
    p.add_int("n", &n, 2, 16);
    p.add_float("temperature", &t, 0.05f, 20.0f);
    p.add_bool("scaled", &scaled);
    p.add_choice("mode", &mode, {"se", "cbam"});
    CHECK(p.get("n") == "5");
    CHECK(p.get("temperature") == "1.5");
    CHECK(p.get("scaled") == "1");
    CHECK(p.get("mode") == "cbam");
    CHECK(p.set("n", "12").empty());
    CHECK(n == 12);
    CHECK(p.set("n", "17") == "n: 17 is outside 2..16");
    CHECK(p.set("n", "3.5") == "n: expected a whole number, got '3.5'");
    CHECK(p.set("n", "1e400") == "n: expected a whole number, got '1e400'");
    CHECK(p.set("n", "nan") == "n: expected a whole number, got 'nan'");
    CHECK(p.set("n", "") == "n: expected a whole number, got ''");
    CHECK(n == 12);
    CHECK(p.set("temperature", "0.01") == "temperature: 0.01 is outside 0.05..20");
    CHECK(p.set("temperature", "0.05").empty());  // the bound itself, written in decimal
    CHECK(p.set("temperature", "2.25").empty());
    CHECK(t == 2.25f);
    CHECK(p.set("scaled", "off").empty());
    CHECK_FALSE(scaled);
    CHECK(p.set("scaled", "maybe") == "scaled: expected 0 or 1, got 'maybe'");
    CHECK(p.set("mode", "se").empty());
    CHECK(mode == 0);
    CHECK(p.set("mode", "<script>") == "mode: '<script>' is not one of se, cbam");
    CHECK(p.set("nope", "1") == "unknown parameter 'nope'");
}

TEST_CASE("params: a declaration sets the default and carries label, range and widget", "[ui][params]") {
    int dk = -1, seed = -1, mode = -1, off = -1;
    float t = -1;
    bool scaled = false;
    ParamSet p;
    p.add_int("dk", &dk, 2, 512, 8).label("d_k").log().tooltip("key width");
    p.add_float("temperature", &t, 0.05f, 20.0f, 1.0f).label("temperature T").log().format("%.2f");
    p.add_bool("scaled", &scaled, true).label("scale by 1/√d_k");
    p.add_choice("mode", &mode, {"se", "cbam"}, 1)
        .label("attention")
        .choice_labels({"squeeze-and-excitation", "CBAM (channel + spatial)"});
    p.add_seed("seed", &seed, 1);
    p.add_int("off", &off, 0, 65535, 0).hidden().group("heads");
    // Every field starts at its default.
    CHECK(dk == 8);
    CHECK(t == 1.0f);
    CHECK(scaled);
    CHECK(mode == 1);
    CHECK(seed == 1);
    CHECK(off == 0);
    REQUIRE(p.all().size() == 6);
    const Param& d = *p.find("dk");
    CHECK(d.type == Param::Type::integer);
    CHECK(d.widget == Param::Widget::slider);
    CHECK(d.label == "d_k");
    CHECK(d.min == 2);
    CHECK(d.max == 512);
    CHECK(d.def == 8);
    CHECK(d.log);
    CHECK(d.format == "%d");
    CHECK(d.tooltip == "key width");
    CHECK(d.group.empty());
    CHECK(d.recompute);
    const Param& temp = *p.find("temperature");
    CHECK(temp.format == "%.2f");
    CHECK(temp.def == 1.0);
    CHECK(p.find("scaled")->widget == Param::Widget::checkbox);
    const Param& m = *p.find("mode");
    CHECK(m.widget == Param::Widget::combo);
    CHECK(m.choices == std::vector<std::string>{"se", "cbam"});
    CHECK(m.choice_labels == std::vector<std::string>{"squeeze-and-excitation", "CBAM (channel + spatial)"});
    CHECK(m.max == 1);
    const Param& s = *p.find("seed");
    CHECK(s.widget == Param::Widget::seed);
    CHECK(s.label == "seed");  // the name, when no label is given
    CHECK(s.min == 0);
    CHECK(s.max == ParamSet::kMaxSeed);
    CHECK(p.find("off")->widget == Param::Widget::none);
    CHECK(p.find("off")->group == "heads");
    // Without choice labels, a combo lists the choices themselves.
    int k = 0;
    p.add_choice("k", &k, {"3", "5", "7"}, 2);
    CHECK(k == 2);
    CHECK(p.find("k")->choice_labels == std::vector<std::string>{"3", "5", "7"});
}

TEST_CASE("params: declared values round-trip through set and get, within the declared range", "[ui][params]") {
    int dk = 0, seed = 0, mode = 0;
    float t = 0;
    bool b = false;
    ParamSet p;
    p.add_int("dk", &dk, 2, 512, 8);
    p.add_float("temperature", &t, 0.05f, 20.0f, 1.0f);
    p.add_bool("scaled", &b, true);
    p.add_choice("mode", &mode, {"none", "causal", "window"}, 1);
    p.add_seed("seed", &seed, 1);
    for (const char* v : {"2", "37", "512"}) {
        CHECK(p.set("dk", v).empty());
        CHECK(p.get("dk") == v);
    }
    for (const char* v : {"0.05", "0.1", "3.25", "20"}) {
        CHECK(p.set("temperature", v).empty());
        CHECK(p.get("temperature") == v);
    }
    for (const char* v : {"none", "causal", "window"}) {
        CHECK(p.set("mode", v).empty());
        CHECK(p.get("mode") == v);
    }
    CHECK(p.set("scaled", "0").empty());
    CHECK(p.get("scaled") == "0");
    CHECK(p.set("seed", "9999").empty());
    CHECK(seed == 9999);
    CHECK(p.set("seed", "10000") == "seed: 10000 is outside 0..9999");
    CHECK(p.set("seed", "-1") == "seed: -1 is outside 0..9999");
    CHECK(p.set("dk", "1") == "dk: 1 is outside 2..512");
    CHECK(p.set("temperature", "20.5") == "temperature: 20.5 is outside 0.05..20");
    CHECK(p.set("mode", "Causal") == "mode: 'Causal' is not one of none, causal, window");
    CHECK(seed == 9999);
    CHECK(dk == 512);
    CHECK(t == 20.0f);
    CHECK(mode == 2);
    // The widget's bookkeeping (view-only, visibility, the upper end of a slider, notes) is data.
    int n = 0, pad = 0;
    bool shown = false;
    p.add_int("n", &n, 2, 2048, 8).live_max(256);
    p.add_int("pad", &pad, 0, 2048, 2)
        .shown([&] { return shown; })
        .slider_max([&] { return n; })
        .note([&] { return "of " + std::to_string(n); }, false)
        .view_only()
        .separator()
        .heading("Mask");
    const Param& q = *p.find("pad");
    CHECK_FALSE(q.shown());
    shown = true;
    CHECK(q.shown());
    CHECK(q.slider_max() == 8);
    CHECK(q.note() == "of 8");
    CHECK_FALSE(q.note_dim);
    CHECK_FALSE(q.recompute);
    CHECK(q.separator);
    CHECK(q.heading == "Mask");
    CHECK(p.find("n")->live_max == 256);
    CHECK(std::isinf(p.find("dk")->live_max));
}

TEST_CASE("params: a bad declaration is refused with its reason", "[ui][params]") {
    int a = 0, c = 0;
    ParamSet p;
    p.add_int("n", &a, 2, 16, 5);
    CHECK_THROWS_WITH(p.add_int("n", &a, 2, 16, 5), "parameter 'n' is declared twice");
    CHECK_THROWS_WITH(p.add_int("m", &a, 2, 16, 17), "parameter 'm': default 17 is outside 2..16");
    float f = 0;
    CHECK_THROWS_WITH(p.add_float("t", &f, 0.1f, 1.0f, 0.05f), "parameter 't': default 0.05 is outside 0.1..1");
    CHECK_THROWS_WITH(p.add_choice("e", &c, {}, 0), "parameter 'e' has no choices");
    CHECK_THROWS_WITH(p.add_choice("k", &c, {"3", "5"}, 0).choice_labels({"3×3"}),
                      "parameter 'k' has 2 choices but 1 labels");
    CHECK(a == 5);               // refused declarations leave the field alone
    CHECK(p.all().size() == 2);  // "n" and "k" (its labels were refused, not the parameter)
}

TEST_CASE("deep links: encode/decode round trip, including characters that need escaping", "[ui][link]") {
    Link l;
    l.lesson = "self";
    l.step = 42;
    l.params = {{"n", "1024"}, {"mask", "causal"}, {"text", "a b&c=d/é"}};
    const std::string q = encode_link(l);
    CHECK(q == "lesson=self&step=42&n=1024&mask=causal&text=a%20b%26c%3Dd%2F%C3%A9");
    std::vector<std::string> warnings;
    const Link back = decode_link("?" + q, &warnings);
    CHECK(warnings.empty());
    CHECK(back.lesson == "self");
    CHECK(back.step == 42);
    CHECK(back.params == l.params);
    CHECK(decode_link("#lesson=dot").lesson == "dot");
    CHECK(decode_link("lesson=a+b").lesson == "a b");
}

TEST_CASE("deep links: hostile input is skipped with warnings, never thrown", "[ui][link]") {
    std::vector<std::string> w;
    Link l = decode_link("lesson=dot&step=99999999999999&x=%zz&step2=1&&=&%", &w);
    CHECK(l.lesson == "dot");
    CHECK(l.step == -1);
    CHECK(w.size() >= 2);
    w.clear();
    l = decode_link(std::string(70000, 'a'), &w);
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Catch::Contains("longer than"));
    w.clear();
    std::string many = "lesson=dot";
    for (int i = 0; i < 100; ++i) many += "&p" + std::to_string(i) + "=1";
    l = decode_link(many, &w);
    CHECK(l.params.size() == 64);
    CHECK_FALSE(w.empty());
    l = decode_link("step=-3&lesson=%3Cscript%3E");
    CHECK(l.step == -1);
    CHECK(l.lesson == "<script>");  // decoded as text; the app rejects unknown lessons
}

TEST_CASE("step player: stepping, clamping, playing to the end", "[ui][player]") {
    StepPlayer p;
    p.next();
    CHECK(p.index() == 0);
    p.set_count(10);
    p.last();
    CHECK(p.index() == 9);
    p.next();
    CHECK(p.index() == 9);
    p.first();
    p.prev();
    CHECK(p.index() == 0);
    p.go(5);
    p.set_count(3);
    CHECK(p.index() == 2);
    p.set_count(10);
    CHECK(p.index() == 9);  // it was on the last step: it stays on the last step
    p.go(4);
    p.set_count(12);
    CHECK(p.index() == 4);
    p.set_count(10);
    p.first();
    p.set_speed(4.0f);
    p.toggle_play();
    CHECK(p.playing());
    CHECK_FALSE(p.update(0.1));  // 0.4 steps: not yet
    CHECK(p.update(0.2));        // 1.2 steps: one
    CHECK(p.index() == 1);
    CHECK(p.update(5.0));  // a stall counts as at most one second: 4 steps
    CHECK(p.index() == 5);
    p.update(1.0);
    p.update(1.0);
    CHECK(p.index() == 9);
    CHECK_FALSE(p.playing());  // stops at the end
    p.toggle_play();           // at the end: restarts from the first step
    CHECK(p.index() == 0);
    CHECK(p.playing());
    p.set_speed(1e9f);
    CHECK(p.speed() == 500.0f);
    p.set_speed(NAN);
    CHECK(p.speed() == 500.0f);
}

TEST_CASE("step player: a growing trace is followed from the last step, a replaced one keeps the step",
          "[ui][player]") {
    StepPlayer p;
    CHECK_FALSE(p.live());
    p.set_follow(StepPlayer::Follow::growing);
    CHECK(p.live());
    p.set_count(3);
    p.last();
    p.set_count(4);
    CHECK(p.index() == 3);  // on the last step: follows the new one
    p.go(1);
    p.set_count(6);
    CHECK(p.index() == 1);  // elsewhere: stays
    // Playing a growing trace waits at the end for new steps instead of stopping.
    p.set_speed(10.0f);
    p.toggle_play();
    CHECK(p.update(1.0));
    CHECK(p.index() == 5);
    CHECK(p.playing());
    CHECK_FALSE(p.update(1.0));  // nothing new yet
    CHECK(p.playing());
    p.set_count(8);
    CHECK(p.index() == 7);  // was at the end: follows
    p.go(6);
    CHECK(p.update(0.1));  // one step at 10/s
    CHECK(p.index() == 7);

    // A replaced trace: the step index is kept (the same stage of the new update).
    StepPlayer r;
    r.set_follow(StepPlayer::Follow::replaced);
    r.set_count(5);
    r.go(2);
    r.set_count(5);
    CHECK(r.index() == 2);
    r.set_speed(100.0f);
    r.toggle_play();
    r.update(1.0);
    CHECK(r.index() == 4);
    CHECK_FALSE(r.playing());  // a replaced trace is played to its end like a fixed one

    // Back to fixed: playing stops at the end again.
    p.set_follow(StepPlayer::Follow::fixed);
    CHECK_FALSE(p.live());
    p.update(1.0);
    CHECK_FALSE(p.playing());
}

TEST_CASE("scenario JSON round trip and precise errors", "[ui][scenario]") {
    Scenario s;
    s.lesson = "viz";
    s.step = 3;
    s.params = {{"n", "8"}, {"colormap", "magma"}};
    s.data["tokens"] = {"the", "cat"};
    Scenario back;
    REQUIRE(scenario_from_json(scenario_to_json(s), back).empty());
    CHECK(back.lesson == "viz");
    CHECK(back.step == 3);
    auto sorted = [](auto v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(back.params) == sorted(s.params));
    CHECK(back.data == s.data);

    Scenario untouched;
    untouched.lesson = "keep";
    CHECK(scenario_from_json("{not json", untouched) == "scenario is not valid JSON");
    CHECK(scenario_from_json("[1,2]", untouched) == "scenario must be a JSON object");
    CHECK(scenario_from_json(R"({"lesson":"dot"})", untouched) ==
          "not an attnlab scenario (missing \"attnlab\": \"scenario\")");
    CHECK(scenario_from_json(R"({"attnlab":"scenario","version":2,"lesson":"dot"})", untouched) ==
          "unsupported scenario version (expected 1)");
    CHECK(scenario_from_json(R"({"attnlab":"scenario","version":1,"lesson":3})", untouched) ==
          "scenario: \"lesson\" must be a string");
    CHECK(scenario_from_json(R"({"attnlab":"scenario","version":1,"lesson":"dot","step":-1})", untouched) ==
          "scenario: \"step\" must be a whole number ≥ 0");
    CHECK(scenario_from_json(R"({"attnlab":"scenario","version":1,"lesson":"dot","params":{"n":[1]}})", untouched) ==
          "scenario: params.n must be a string or a number");
    CHECK(scenario_from_json(std::string(2u << 20, ' '), untouched) == "scenario file is larger than 1 MiB");
    CHECK(untouched.lesson == "keep");
    // Numbers and booleans in params are accepted as their text.
    REQUIRE(
        scenario_from_json(R"({"attnlab":"scenario","version":1,"lesson":"dot","params":{"n":7,"scaled":false}})", back)
            .empty());
    CHECK(back.params == std::vector<std::pair<std::string, std::string>>{{"n", "7"}, {"scaled", "0"}});
}

TEST_CASE("reveal map: cells appear at the step that computes them", "[ui][trace]") {
    auto q = gaussian_matrix(2, 3, 1), k = gaussian_matrix(3, 3, 2);
    attn::ScoreParams p;
    attn::Trace trace(attn::Trace::Detail::cells);
    auto r = attn::attention(q, k, k, p, attn::Mask::none(), &trace);
    RevealMap scores, weights, inputs;
    scores.build(trace, "scores", 2, 3);
    weights.build(trace, "weights", 2, 3);
    inputs.build(trace, "Q", 2, 3);
    // scores: steps 0..5 are the six cells in row-major order.
    CHECK(scores.at(0, 0) == 0);
    CHECK(scores.at(1, 2) == 5);
    CHECK_FALSE(scores.shown(1, 2, 4));
    CHECK(scores.shown(1, 2, 5));
    // weights: row 0 is normalised at step 6 + 3, row 1 at step 6 + 7.
    CHECK(weights.at(0, 1) == 9);
    CHECK(weights.at(1, 0) == 13);
    CHECK(weights.all_shown(13));
    CHECK_FALSE(weights.all_shown(12));
    // Q is an input: visible from the start.
    CHECK(inputs.shown(1, 2, 0));
    CHECK(inputs.all_shown(0));
}

TEST_CASE("colormaps: 256 opaque entries, endpoints as published, lightness increasing", "[ui][colormap]") {
    const auto& v = colormap_table(Colormap::viridis);
    CHECK(v[0] == 0x44);
    CHECK(v[1] == 0x01);
    CHECK(v[2] == 0x54);
    CHECK(v[255 * 4 + 0] == 0xfd);
    CHECK(v[255 * 4 + 1] == 0xe7);
    for (Colormap c : {Colormap::viridis, Colormap::magma, Colormap::cividis, Colormap::grey}) {
        const auto& t = colormap_table(c);
        double prev = -1;
        for (int i = 0; i < 256; i += 15) {
            CHECK(t[i * 4 + 3] == 255);
            const double luma = 0.2126 * t[i * 4] + 0.7152 * t[i * 4 + 1] + 0.0722 * t[i * 4 + 2];
            CHECK(luma > prev);
            prev = luma;
        }
    }
    CHECK(colormap_color(Colormap::grey, NAN)[0] == 0);
    CHECK(colormap_color(Colormap::grey, 2.0f)[0] == 255);
}

TEST_CASE("examples are deterministic and have the stated statistics", "[ui][examples]") {
    auto a = gaussian_matrix(64, 64, 7), b = gaussian_matrix(64, 64, 7), c = gaussian_matrix(64, 64, 8);
    double mean = 0, var = 0;
    bool differs = false;
    for (std::size_t i = 0; i < 64; ++i)
        for (std::size_t j = 0; j < 64; ++j) {
            REQUIRE(a(i, j) == b(i, j));
            differs = differs || a(i, j) != c(i, j);
            mean += a(i, j);
            var += double(a(i, j)) * a(i, j);
        }
    mean /= 4096;
    var = var / 4096 - mean * mean;
    CHECK(differs);
    CHECK(std::fabs(mean) < 0.06);
    CHECK(std::fabs(var - 1.0) < 0.08);
    auto pe = sinusoidal_positions(4, 6);
    CHECK(pe(0, 0) == 0.0f);
    CHECK(pe(0, 1) == 1.0f);
    CHECK(pe(3, 0) == Approx(std::sin(3.0)));
    CHECK(pe(3, 3) == Approx(std::cos(3.0 / std::pow(10000.0, 2.0 / 6.0))));
    CHECK(example_tokens(3) == std::vector<std::string>{"the", "cat", "sat"});
}

TEST_CASE("frame pacer: the live slice settles where whole frames last the target", "[ui][pacer]") {
    FramePacer p(8.0, 16.0);
    CHECK(p.budget_ms() == 8.0);
    // A frame is the slice plus everything else (UI, rendering): with 13 ms of the rest, only
    // 3 ms are left for work in a 16 ms frame.
    for (int f = 0; f < 60; ++f) p.frame_took(13.0 + p.budget_ms());
    CHECK(p.budget_ms() == Approx(3.0).margin(0.01));
    // A fast renderer: the slice climbs back to its maximum and stays there.
    for (int f = 0; f < 60; ++f) p.frame_took(2.0 + p.budget_ms());
    CHECK(p.budget_ms() == 8.0);
    // Nothing fits: the slice keeps its floor of 1 ms.
    for (int f = 0; f < 60; ++f) p.frame_took(30.0 + p.budget_ms());
    CHECK(p.budget_ms() == FramePacer::kMinMs);
    // A stall (background tab, debugger) and nonsense are ignored.
    p.reset();
    CHECK(p.budget_ms() == 8.0);
    p.frame_took(5000.0);
    p.frame_took(0.0);
    p.frame_took(NAN);
    CHECK(p.budget_ms() == 8.0);
    // A display-paced shell: on-time frames (16.7 ms at 60 Hz) under a 17.7 ms target never shrink it;
    // a missed frame (33 ms) does.
    FramePacer paced(8.0, 1000.0 / 60.0 + 1.0);
    for (int f = 0; f < 30; ++f) paced.frame_took(1000.0 / 60.0);
    CHECK(paced.budget_ms() == 8.0);
    paced.frame_took(2000.0 / 60.0);
    CHECK(paced.budget_ms() < 1.0 + 1e-9);
    // Knowing the work's time: a rest of frame longer than the target (a slow software renderer,
    // 28 ms) cannot be fixed by the slice, which keeps 15% of that rest instead of 1 ms.
    FramePacer slow(8.0, 1000.0 / 60.0 + 1.0);
    for (int f = 0; f < 60; ++f) slow.frame_took(28.0 + slow.budget_ms(), slow.budget_ms());
    CHECK(slow.budget_ms() == Approx(0.15 * 28.0));
    for (int f = 0; f < 60; ++f) slow.frame_took(80.0 + slow.budget_ms(), slow.budget_ms());
    CHECK(slow.budget_ms() == 8.0);  // at most the maximum
    // A rest that fits the target: the pacer steers as without the work's time.
    for (int f = 0; f < 60; ++f) slow.frame_took(13.0 + slow.budget_ms(), slow.budget_ms());
    CHECK(slow.budget_ms() == Approx(1000.0 / 60.0 + 1.0 - 13.0).margin(0.01));
    // Limits.
    CHECK_FALSE(p.set_max_ms(0.5));
    CHECK_FALSE(p.set_target_ms(NAN));
    CHECK(p.max_ms() == 8.0);
    CHECK(p.set_max_ms(4.0));
    CHECK(p.budget_ms() == 4.0);
}
