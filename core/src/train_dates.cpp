// train_dates.cpp: the `dates` task; see attn/train/dates.hpp.
#include "attn/train/dates.hpp"

#include <algorithm>
#include <cctype>

#include "attn/matrix.hpp"

namespace attn::dates {
namespace {

const char* const kMonths[12] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
const char* const kWeekdays[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

std::string two_digits(int x) {
    return std::string(1, static_cast<char>('0' + x / 10)) + static_cast<char>('0' + x % 10);
}

// Appends piece to s and returns its span.
Span append(std::string& s, const std::string& piece) {
    const Span span{s.size(), s.size() + piece.size()};
    s += piece;
    return span;
}

// Length of the UTF-8 sequence starting at s[i] (1 for an invalid or truncated one).
std::size_t utf8_length(const std::string& s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + n > s.size()) return 1;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 1;
    return n;
}

}  // namespace

bool parse_iso(const std::string& s, Date& d) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    d.year = std::stoi(s.substr(0, 4));
    d.month = std::stoi(s.substr(5, 2));
    d.day = std::stoi(s.substr(8, 2));
    return valid_date(d) && d.year >= 1900 && d.year <= 2099;
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(const Date& d) {
    const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (d.month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    Date d;
    d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    d.year = static_cast<int>(yoe + era * 400 + (d.month <= 2 ? 1 : 0));
    return d;
}

int weekday(const Date& d) {
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    const std::int64_t w = (days_from_civil(d) + 3) % 7;
    return static_cast<int>(w < 0 ? w + 7 : w);
}

bool valid_date(const Date& d) {
    if (d.month < 1 || d.month > 12 || d.day < 1) return false;
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
    return d.day <= kDays[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
}

const char* weekday_name(int w) { return w >= 0 && w < 7 ? kWeekdays[w] : "?"; }
const char* month_name(int m) { return m >= 1 && m <= 12 ? kMonths[m - 1] : "?"; }

std::string day_with_suffix(int day) {
    const int last = day % 10, tens = day % 100 / 10;
    const char* suffix = tens == 1 ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
    return std::to_string(day) + suffix;
}

std::string iso(const Date& d) { return std::to_string(d.year) + "-" + two_digits(d.month) + "-" + two_digits(d.day); }

Example format_date(const Date& d, std::size_t format, Case c) {
    if (!valid_date(d)) throw Error("date", "is not a valid date: " + iso(d));
    if (d.year < 1000 || d.year > 9999) throw Error("date", "year " + std::to_string(d.year) + " is not 4 digits");
    Example e;
    const std::string year = std::to_string(d.year), day = std::to_string(d.day), day2 = two_digits(d.day);
    const std::string name = kMonths[d.month - 1], abbr = name.substr(0, 3);
    const std::string month = std::to_string(d.month), month2 = two_digits(d.month);
    std::string& s = e.source;
    switch (format) {
        case 0:  // 23 Nov 2026
        case 1:  // 03 Nov 2026
            e.day = append(s, format == 0 ? day : day2);
            s += ' ';
            e.month = append(s, abbr);
            s += ' ';
            e.year = append(s, year);
            break;
        case 2:  // 23 November 2026
            e.day = append(s, day);
            s += ' ';
            e.month = append(s, name);
            s += ' ';
            e.year = append(s, year);
            break;
        case 3:  // November 23, 2026
        case 4:  // Nov 23, 2026
            e.month = append(s, format == 3 ? name : abbr);
            s += ' ';
            e.day = append(s, day);
            s += ", ";
            e.year = append(s, year);
            break;
        case 5:  // 23/11/2026
        case 6:  // 23.11.2026
            e.day = append(s, format == 5 ? day2 : day);
            s += format == 5 ? '/' : '.';
            e.month = append(s, format == 5 ? month2 : month);
            s += format == 5 ? '/' : '.';
            e.year = append(s, year);
            break;
        case 7:  // 2026/11/23
            e.year = append(s, year);
            s += '/';
            e.month = append(s, month2);
            s += '/';
            e.day = append(s, day2);
            break;
        case 8:  // Monday, 23 November 2026
            s = std::string(kWeekdays[weekday(d)]) + ", ";
            e.day = append(s, day);
            s += ' ';
            e.month = append(s, name);
            s += ' ';
            e.year = append(s, year);
            break;
        case 9:  // 23rd November 2026
            e.day = append(s, day_with_suffix(d.day));
            s += ' ';
            e.month = append(s, name);
            s += ' ';
            e.year = append(s, year);
            break;
        case 10:  // the 23rd of November 2026
            s = "the ";
            e.day = append(s, day_with_suffix(d.day));
            s += " of ";
            e.month = append(s, name);
            s += ' ';
            e.year = append(s, year);
            break;
        default: throw Error("format", "is " + std::to_string(format) + ", expected 0 to 10");
    }
    if (c != Case::as_is)
        for (char& ch : s)
            ch = static_cast<char>(c == Case::lower ? std::tolower(static_cast<unsigned char>(ch))
                                                    : std::toupper(static_cast<unsigned char>(ch)));
    e.target = iso(d);
    return e;
}

Example random_example(Rng& rng) {
    static const std::int64_t first = days_from_civil({1900, 1, 1}), last = days_from_civil({2099, 12, 31});
    const Date d =
        civil_from_days(first + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(last - first + 1))));
    const std::size_t format = static_cast<std::size_t>(rng.below(kFormats));
    const Case c = static_cast<Case>(rng.below(3));
    return format_date(d, format, c);
}

Vocabulary::Vocabulary(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
    ids_.fill(kUnk);
    for (std::size_t i = 4; i < tokens_.size(); ++i)
        if (tokens_[i].size() == 1) ids_[static_cast<unsigned char>(tokens_[i][0])] = static_cast<std::int32_t>(i);
}

std::vector<std::int32_t> Vocabulary::encode(const std::string& text) const {
    std::vector<std::int32_t> out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        out.push_back(n == 1 ? id(static_cast<unsigned char>(text[i])) : kUnk);
        i += n;
    }
    return out;
}

std::string Vocabulary::decode(const std::int32_t* ids, std::size_t n) const {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += ids[i] >= 0 && static_cast<std::size_t>(ids[i]) < size() ? tokens_[ids[i]] : "?";
    return s;
}

std::vector<std::string> split_characters(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        out.push_back(text.substr(i, n));
        i += n;
    }
    return out;
}

namespace {
std::vector<std::string> specials_then(const std::string& chars) {
    std::vector<std::string> t = {"<pad>", "<bos>", "<eos>", "<unk>"};
    for (char c : chars) t.emplace_back(1, c);
    return t;
}
}  // namespace

const Vocabulary& source_vocabulary() {
    static const Vocabulary v(specials_then(" ,./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"));
    return v;
}

const Vocabulary& target_vocabulary() {
    static const Vocabulary v(specials_then("-0123456789"));
    return v;
}

namespace {
void layout_batch(Batch& batch) {
    std::size_t n = 1;
    for (const Example& e : batch.examples) n = std::max(n, e.source.size());
    const std::size_t B = batch.examples.size();
    batch.size = B;
    batch.source_length = n;
    batch.target_length = kTargetSteps;
    batch.source.assign(B * n, kPad);
    batch.lengths.resize(B);
    batch.target.resize(B * kTargetSteps);
}
}  // namespace

void generate_batch(std::size_t B, Rng& rng, Batch& batch, const Vocabulary& sv, const Vocabulary& tv) {
    if (B == 0) throw Error("batch", "size is 0, expected at least 1");
    batch.examples.resize(B);
    for (Example& e : batch.examples) e = random_example(rng);
    layout_batch(batch);
    const std::size_t n = batch.source_length;
    for (std::size_t b = 0; b < B; ++b) {
        const Example& e = batch.examples[b];
        for (std::size_t j = 0; j < e.source.size(); ++j)
            batch.source[b * n + j] = sv.id(static_cast<unsigned char>(e.source[j]));
        batch.lengths[b] = e.source.size();
        for (std::size_t t = 0; t < kTargetChars; ++t)
            batch.target[b * kTargetSteps + t] = tv.id(static_cast<unsigned char>(e.target[t]));
        batch.target[b * kTargetSteps + kTargetChars] = kEos;
    }
}

std::vector<std::int32_t> encode_source(const std::string& source, const Vocabulary& sv) {
    if (source.empty()) throw Error("source", "is empty");
    std::vector<std::int32_t> ids = sv.encode(source);
    if (ids.size() > kMaxSourceLength)
        throw Error("source", "has " + std::to_string(ids.size()) + " characters, the limit is " +
                                  std::to_string(kMaxSourceLength));
    return ids;
}

void encode_batch(const std::vector<std::string>& sources, const std::vector<std::string>& targets, Batch& batch,
                  const Vocabulary& sv, const Vocabulary& tv) {
    if (sources.empty()) throw Error("source", "is empty: a batch needs at least one example");
    if (sources.size() != targets.size())
        throw Error("target",
                    "has " + std::to_string(targets.size()) + " entries, source has " + std::to_string(sources.size()));
    const std::size_t B = sources.size();
    std::vector<std::vector<std::int32_t>> ids(B);
    std::size_t n = 1;
    for (std::size_t b = 0; b < B; ++b) {
        const std::string field = "source[" + std::to_string(b) + "]";
        try {
            ids[b] = encode_source(sources[b], sv);
        } catch (const Error& e) {
            throw Error(field, e.problem());
        }
        Date d;
        if (!parse_iso(targets[b], d))
            throw Error("target[" + std::to_string(b) + "]",
                        "is '" + targets[b] + "', expected a date YYYY-MM-DD from 1900-01-01 to 2099-12-31");
        n = std::max(n, ids[b].size());
    }
    batch.examples.assign(B, Example{});
    for (std::size_t b = 0; b < B; ++b) {
        batch.examples[b].source = sources[b];
        batch.examples[b].target = targets[b];
    }
    batch.size = B;
    batch.source_length = n;
    batch.target_length = kTargetSteps;
    batch.source.assign(B * n, kPad);
    batch.lengths.resize(B);
    batch.target.resize(B * kTargetSteps);
    for (std::size_t b = 0; b < B; ++b) {
        std::copy(ids[b].begin(), ids[b].end(), batch.source.begin() + static_cast<std::ptrdiff_t>(b * n));
        batch.lengths[b] = ids[b].size();
        for (std::size_t t = 0; t < kTargetChars; ++t)
            batch.target[b * kTargetSteps + t] = tv.id(static_cast<unsigned char>(targets[b][t]));
        batch.target[b * kTargetSteps + kTargetChars] = kEos;
    }
}

}  // namespace attn::dates
