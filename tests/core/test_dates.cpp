// Tests of the `dates` task (attn/train/dates.hpp): calendar arithmetic against closed values
// (weekdays and day counts checked with Python's datetime), every format against written-out
// examples, spans, vocabularies, encoding and the batch generator's properties.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "attn/matrix.hpp"
#include "attn/train/dates.hpp"

namespace dt = attn::dates;
using Catch::Matchers::Contains;

namespace {
std::string cut(const std::string& s, dt::Span sp) { return s.substr(sp.begin, sp.end - sp.begin); }
}  // namespace

TEST_CASE("dates: calendar arithmetic matches known days and weekdays", "[train][dates]") {
    CHECK(dt::days_from_civil({1970, 1, 1}) == 0);
    CHECK(dt::days_from_civil({2026, 11, 23}) == 20780);
    CHECK(dt::days_from_civil({1900, 1, 1}) == -25567);
    CHECK(dt::days_from_civil({2099, 12, 31}) == 47481);
    CHECK(dt::weekday({2026, 11, 23}) == 0);  // Monday
    CHECK(dt::weekday({1900, 1, 1}) == 0);    // Monday
    CHECK(dt::weekday({2000, 1, 1}) == 5);    // Saturday
    CHECK(dt::weekday({2024, 2, 29}) == 3);   // Thursday
    CHECK(dt::weekday({2099, 12, 31}) == 3);  // Thursday
    for (std::int64_t z = -25567; z <= 47481; z += 37) {
        const dt::Date d = dt::civil_from_days(z);
        REQUIRE(dt::valid_date(d));
        REQUIRE(dt::days_from_civil(d) == z);
    }
    CHECK(dt::valid_date({2000, 2, 29}));
    CHECK_FALSE(dt::valid_date({1900, 2, 29}));
    CHECK_FALSE(dt::valid_date({2026, 4, 31}));
}

TEST_CASE("dates: day suffixes", "[train][dates]") {
    const std::pair<int, const char*> cases[] = {{1, "1st"},   {2, "2nd"},   {3, "3rd"},   {4, "4th"},
                                                 {11, "11th"}, {12, "12th"}, {13, "13th"}, {21, "21st"},
                                                 {22, "22nd"}, {23, "23rd"}, {30, "30th"}, {31, "31st"}};
    for (const auto& c : cases) CHECK(dt::day_with_suffix(c.first) == c.second);
}

TEST_CASE("dates: the eleven formats, with their spans, on 2026-11-23 and 2026-03-03", "[train][dates]") {
    const dt::Date d{2026, 11, 23}, e{2026, 3, 3};
    const char* want_d[11] = {"23 Nov 2026",
                              "23 Nov 2026",
                              "23 November 2026",
                              "November 23, 2026",
                              "Nov 23, 2026",
                              "23/11/2026",
                              "23.11.2026",
                              "2026/11/23",
                              "Monday, 23 November 2026",
                              "23rd November 2026",
                              "the 23rd of November 2026"};
    const char* want_e[11] = {
        "3 Mar 2026", "03 Mar 2026", "3 March 2026",          "March 3, 2026",  "Mar 3, 2026",          "03/03/2026",
        "3.3.2026",   "2026/03/03",  "Tuesday, 3 March 2026", "3rd March 2026", "the 3rd of March 2026"};
    for (std::size_t f = 0; f < dt::kFormats; ++f) {
        INFO("format " << f);
        const dt::Example a = dt::format_date(d, f, dt::Case::as_is);
        CHECK(a.source == want_d[f]);
        CHECK(a.target == "2026-11-23");
        CHECK(cut(a.source, a.year) == "2026");
        const std::string m = cut(a.source, a.month);
        CHECK((m == "Nov" || m == "November" || m == "11"));
        const std::string day = cut(a.source, a.day);
        CHECK((day == "23" || day == "23rd"));
        const dt::Example b = dt::format_date(e, f, dt::Case::as_is);
        CHECK(b.source == want_e[f]);
        CHECK(b.target == "2026-03-03");
    }
    CHECK(dt::format_date(d, 10, dt::Case::upper).source == "THE 23RD OF NOVEMBER 2026");
    CHECK(dt::format_date(d, 8, dt::Case::lower).source == "monday, 23 november 2026");
    CHECK(cut(dt::format_date(e, 9, dt::Case::as_is).source, dt::format_date(e, 9, dt::Case::as_is).day) == "3rd");
    CHECK_THROWS_WITH(dt::format_date({2026, 2, 30}, 0, dt::Case::as_is), Contains("not a valid date"));
    CHECK_THROWS_WITH(dt::format_date(d, 11, dt::Case::as_is), Contains("expected 0 to 10"));
}

TEST_CASE("dates: vocabularies have the specials first and encode unknown characters as <unk>", "[train][dates]") {
    const auto& sv = dt::source_vocabulary();
    const auto& tv = dt::target_vocabulary();
    for (const auto* v : {&sv, &tv}) {
        REQUIRE(v->size() > 4);
        CHECK(v->token(0) == "<pad>");
        CHECK(v->token(1) == "<bos>");
        CHECK(v->token(2) == "<eos>");
        CHECK(v->token(3) == "<unk>");
    }
    CHECK(tv.size() == 15);
    const auto ids = sv.encode("23 é!");
    REQUIRE(ids.size() == 5);  // é is one character
    CHECK(sv.token(ids[0]) == "2");
    CHECK(sv.token(ids[2]) == " ");
    CHECK(ids[3] == dt::kUnk);
    CHECK(ids[4] == dt::kUnk);
    CHECK(dt::split_characters("a é").size() == 3);
    CHECK_THROWS_WITH(dt::encode_source(""), Contains("source is empty"));
    CHECK_THROWS_WITH(dt::encode_source(std::string(65, '1')), Contains("65 characters, the limit is 64"));
}

TEST_CASE("dates: generated batches are deterministic, cover every format and case, and encode their texts",
          "[train][dates]") {
    attn::Rng r1(7), r2(7);
    dt::Batch a, b;
    dt::generate_batch(64, r1, a);
    dt::generate_batch(64, r2, b);
    CHECK(a.source == b.source);
    CHECK(a.target == b.target);
    std::set<std::size_t> lengths;
    attn::Rng rng(11);
    std::set<int> years;
    int upper = 0, lower = 0, weekday_ok = 0, weekday_total = 0;
    for (int round = 0; round < 40; ++round) {
        dt::generate_batch(50, rng, a);
        REQUIRE(a.size == 50);
        for (std::size_t i = 0; i < a.size; ++i) {
            const dt::Example& e = a.examples[i];
            REQUIRE(a.lengths[i] == e.source.size());
            lengths.insert(a.lengths[i]);
            for (std::size_t j = 0; j < a.source_length; ++j) {
                const std::int32_t id = a.source[i * a.source_length + j];
                if (j < e.source.size()) {
                    REQUIRE(id >= 4);  // every generated character is in the vocabulary
                    REQUIRE(dt::source_vocabulary().token(id) == std::string(1, e.source[j]));
                } else {
                    REQUIRE(id == dt::kPad);
                }
            }
            REQUIRE(dt::target_vocabulary().decode(&a.target[i * dt::kTargetSteps], dt::kTargetSteps) ==
                    e.target + "<eos>");
            const int y = std::stoi(e.target.substr(0, 4));
            REQUIRE(y >= 1900);
            REQUIRE(y <= 2099);
            years.insert(y);
            REQUIRE(cut(e.source, e.year) == e.target.substr(0, 4));
            bool has_upper = false, has_lower = false;
            for (char c : e.source) {
                has_upper |= c >= 'A' && c <= 'Z';
                has_lower |= c >= 'a' && c <= 'z';
            }
            upper += has_upper && !has_lower;
            lower += has_lower && !has_upper;
            if (e.source.find(',') != std::string::npos && e.source.find(", ") < 10 &&
                !(e.source[0] >= '0' && e.source[0] <= '9')) {
                // "<weekday>, d month yyyy" or "Month d, yyyy": a weekday is before the comma only in the former
                const std::string head = e.source.substr(0, e.source.find(','));
                const dt::Date d{y, std::stoi(e.target.substr(5, 2)), std::stoi(e.target.substr(8, 2))};
                std::string want = dt::weekday_name(dt::weekday(d));
                std::string h = head;
                for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (h.find(' ') == std::string::npos && h.size() > 5) {
                    ++weekday_total;
                    weekday_ok += h == want;
                }
            }
        }
    }
    CHECK(years.size() > 150);  // 2000 draws over 200 years
    CHECK(upper > 100);
    CHECK(lower > 100);
    CHECK(weekday_total > 50);
    CHECK(weekday_ok == weekday_total);
    CHECK(*lengths.begin() == 8);    // "1.1.2026"-style minimum
    CHECK(*lengths.rbegin() >= 25);  // weekday or "the …rd of …" formats
}

TEST_CASE("dates: encode_batch checks sources and targets, naming the entry", "[train][dates][errors]") {
    dt::Batch b;
    dt::encode_batch({"23 Nov 2026", "1.2.1999"}, {"2026-11-23", "1999-02-01"}, b);
    CHECK(b.size == 2);
    CHECK(b.source_length == 11);
    CHECK(b.lengths[1] == 8);
    CHECK(b.source[1 * 11 + 8] == dt::kPad);
    CHECK_THROWS_WITH(dt::encode_batch({"a", ""}, {"2026-11-23", "2026-11-23"}, b), Contains("source[1] is empty"));
    CHECK_THROWS_WITH(dt::encode_batch({"a"}, {"2026-13-01"}, b), Contains("target[0] is '2026-13-01'"));
    CHECK_THROWS_WITH(dt::encode_batch({"a"}, {"2100-01-01"}, b), Contains("target[0]"));
    CHECK_THROWS_WITH(dt::encode_batch({"a", "b"}, {"2026-11-23"}, b), Contains("target has 1 entries"));
    CHECK_THROWS_WITH(dt::encode_batch({}, {}, b), Contains("source is empty"));
}
