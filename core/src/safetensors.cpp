// safetensors.cpp: safetensors bytes ↔ checked float tensors; see attn/safetensors.hpp.
//
// [SECTION] Dtypes and little-endian values
// [SECTION] Header entries
// [SECTION] Buffer coverage
// [SECTION] Values
// [SECTION] Parsing a file
// [SECTION] Writing a file
//
// Order of the checks: the file as a whole (length, header), then every entry on its own
// (types, offsets inside the buffer, sizes), then the entries together (coverage), and only
// then the values. No byte of the buffer is read before its range is known to be inside it.
// Values are read byte by byte (the buffer has no alignment guarantee), never through casts.
#include "attn/safetensors.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "json/json_text.hpp"

namespace attn::safetensors {

using nlohmann::json;

const char* const kReadDtypes = "attnlab reads F32, F64, F16 and BF16";

namespace {

std::string str(std::uint64_t n) { return std::to_string(n); }

// "[24, 8]"
std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + str(shape[i]);
    return s + "]";
}

std::string offsets_text(std::uint64_t begin, std::uint64_t end) { return "[" + str(begin) + ", " + str(end) + "]"; }

// A JSON value as the message shows it: numbers and short strings as written, others by type.
std::string describe(const json& x) {
    if (x.is_number()) return x.dump();
    if (x.is_string()) return json_text::quote(x.get<std::string>());
    return json_text::type_phrase(x);
}

// "[0][5]" for flat index 5 of shape [24, 8]; empty for vectors and scalars (the index says it).
std::string multi_index(std::size_t flat, const std::vector<std::size_t>& shape) {
    if (shape.size() < 2) return "";
    std::vector<std::size_t> idx(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        idx[d] = flat % shape[d];
        flat /= shape[d];
    }
    std::string s = " (";
    for (std::size_t i : idx) s += "[" + str(i) + "]";
    return s + ")";
}

// =====================================================================================
// [SECTION] Dtypes and little-endian values
// =====================================================================================

// How a dtype's values become floats; other = not converted.
enum class Decode { f32, f64, f16, bf16, other };

struct Dtype {
    const char* name;
    std::size_t bytes;
    Decode decode;
};

// The format's dtypes of whole bytes. Sub-byte ones (F4, F6_*) are not here: their layout
// within a byte is not something this reader checks, so such files are refused outright.
constexpr Dtype kDtypes[] = {
    {"F32", 4, Decode::f32},       {"F64", 8, Decode::f64},       {"F16", 2, Decode::f16},
    {"BF16", 2, Decode::bf16},     {"BOOL", 1, Decode::other},    {"U8", 1, Decode::other},
    {"I8", 1, Decode::other},      {"F8_E5M2", 1, Decode::other}, {"F8_E4M3", 1, Decode::other},
    {"F8_E8M0", 1, Decode::other}, {"I16", 2, Decode::other},     {"U16", 2, Decode::other},
    {"I32", 4, Decode::other},     {"U32", 4, Decode::other},     {"I64", 8, Decode::other},
    {"U64", 8, Decode::other},     {"C64", 8, Decode::other},
};

const Dtype* find_dtype(const std::string& name) {
    for (const Dtype& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

std::uint64_t load_le(const unsigned char* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
    return v;
}

float float_from_bits(std::uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

double double_from_bits(std::uint64_t bits) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
//   normal     (1024 + m) · 2^(e − 25)    subnormal (e = 0)  m · 2^−24    e = 31: inf / NaN
// Every half is exactly a float, and ldexp of a small integer is exact.
float half_to_float(std::uint16_t h) {
    const bool negative = (h >> 15) != 0;
    const int e = (h >> 10) & 0x1F;
    const int m = h & 0x3FF;
    float magnitude;
    if (e == 0x1F)
        magnitude = m ? NAN : INFINITY;
    else if (e == 0)
        magnitude = std::ldexp(static_cast<float>(m), -24);
    else
        magnitude = std::ldexp(static_cast<float>(m | 0x400), e - 25);
    return negative ? -magnitude : magnitude;
}

// bfloat16 is the top half of a float32.
float bfloat16_to_float(std::uint16_t b) { return float_from_bits(std::uint32_t{b} << 16); }

// =====================================================================================
// [SECTION] Header entries
// =====================================================================================

// An unsigned integer of the header (shape dimension, offset). nlohmann reads non-negative
// integers up to 2^64 − 1 as unsigned; anything else (negative, fractional, larger) is refused.
bool as_u64(const json& x, std::uint64_t& out) {
    if (!x.is_number_unsigned()) return false;
    out = x.get<std::uint64_t>();
    return true;
}

struct Entry {
    std::string name;
    const Dtype* dtype = nullptr;
    std::vector<std::size_t> shape;
    std::uint64_t elements = 0;
    std::uint64_t begin = 0, end = 0;
};

const json& entry_field(const json& info, const char* field, const std::string& name, const char* expected) {
    auto it = info.find(field);
    if (it == info.end()) throw FormatError(name, std::string("has no ") + field + " (expected " + expected + ")");
    return *it;
}

// The element count of a shape, or a precise error when it overflows or exceeds the limit.
std::uint64_t element_count(const std::vector<std::size_t>& shape, const std::string& name) {
    for (std::size_t d : shape)
        if (d == 0) return 0;
    std::uint64_t n = 1;
    for (std::size_t d : shape) {
        if (n > UINT64_MAX / d)
            throw FormatError(name, "has shape " + shape_text(shape) + ", whose element count overflows 64 bits");
        n *= d;
    }
    if (n > kMaxElements)
        throw FormatError(name, "has shape " + shape_text(shape) + " = " + str(n) +
                                    " elements, more than the limit of " + str(kMaxElements) + " (2^26)");
    return n;
}

Entry read_entry(const std::string& name, const json& info, std::uint64_t buffer_bytes) {
    Entry e;
    e.name = name;
    if (!info.is_object())
        throw FormatError(name, "is " + json_text::type_phrase(info) +
                                    ", expected an object {\"dtype\", \"shape\", \"data_offsets\"}");
    for (auto it = info.begin(); it != info.end(); ++it)
        if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets")
            throw FormatError(name, "has an unknown field " + describe(json(it.key())) +
                                        " (an entry has dtype, shape and data_offsets)");

    const json& dtype = entry_field(info, "dtype", name, "a string such as \"F32\"");
    if (!dtype.is_string())
        throw FormatError(name, "dtype is " + describe(dtype) + ", expected a string such as \"F32\"");
    e.dtype = find_dtype(dtype.get<std::string>());
    if (!e.dtype)
        throw FormatError(name, "has dtype " + describe(dtype) + ", which attnlab does not know (" + kReadDtypes + ")");

    const json& shape = entry_field(info, "shape", name, "an array of dimensions such as [24, 8]");
    if (!shape.is_array())
        throw FormatError(name, "shape is " + describe(shape) + ", expected an array of dimensions such as [24, 8]");
    for (std::size_t i = 0; i < shape.size(); ++i) {
        std::uint64_t d = 0;
        if (!as_u64(shape[i], d) || d > SIZE_MAX)
            throw FormatError(name,
                              "shape[" + str(i) + "] is " + describe(shape[i]) + ", expected a non-negative integer");
        e.shape.push_back(static_cast<std::size_t>(d));
    }

    const json& offsets = entry_field(info, "data_offsets", name, "[begin, end]");
    if (!offsets.is_array() || offsets.size() != 2)
        throw FormatError(name, "data_offsets is " +
                                    (offsets.is_array() ? "an array of " + str(offsets.size()) +
                                                              (offsets.size() == 1 ? " value" : " values")
                                                        : describe(offsets)) +
                                    ", expected [begin, end]");
    for (std::size_t i = 0; i < 2; ++i)
        if (!as_u64(offsets[i], i == 0 ? e.begin : e.end))
            throw FormatError(name, "data_offsets[" + str(i) + "] is " + describe(offsets[i]) +
                                        ", expected a non-negative integer (bytes into the data buffer)");
    if (e.begin > e.end)
        throw FormatError(name, "data_offsets " + offsets_text(e.begin, e.end) + " end before they begin");
    if (e.end > buffer_bytes)
        throw FormatError(name, "data_offsets " + offsets_text(e.begin, e.end) +
                                    " run past the end of the data buffer (" + str(buffer_bytes) + " bytes)");

    e.elements = element_count(e.shape, name);
    const std::uint64_t need = e.elements * e.dtype->bytes;  // <= 2^26 · 8: no overflow
    if (e.end - e.begin != need)
        throw FormatError(name, "has " + str(e.end - e.begin) + " bytes (data_offsets " + offsets_text(e.begin, e.end) +
                                    "), but shape " + shape_text(e.shape) + " of " + e.dtype->name + " needs " +
                                    str(need) + " (" + str(e.elements) + " × " + str(e.dtype->bytes) + " bytes)");
    return e;
}

void read_metadata(const json& meta, File& out) {
    if (!meta.is_object())
        throw FormatError("__metadata__ is " + json_text::type_phrase(meta) + ", expected an object of strings");
    for (auto it = meta.begin(); it != meta.end(); ++it) {
        if (!it.value().is_string())
            throw FormatError("__metadata__ \"" + it.key() + "\" is " + describe(it.value()) +
                              ", expected a string (the format allows only strings there)");
        out.metadata.emplace_back(it.key(), it.value().get<std::string>());
    }
}

// =====================================================================================
// [SECTION] Buffer coverage
// =====================================================================================

// The format requires the tensors to tile the data buffer: sorted by offset, each one starts
// where the previous ends, and the last ends at the end of the buffer. Overlaps would let two
// names alias the same bytes; holes would hide data no tensor accounts for.
void check_coverage(std::vector<Entry>& entries, std::uint64_t buffer_bytes) {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    std::uint64_t covered = 0;  // bytes [0, covered) belong to the entries seen so far
    const Entry* previous = nullptr;
    for (const Entry& e : entries) {
        if (e.begin < covered)
            throw FormatError(e.name, "data_offsets " + offsets_text(e.begin, e.end) + " overlap those of " +
                                          previous->name + " " + offsets_text(previous->begin, previous->end) +
                                          " (every byte of the data buffer belongs to exactly one tensor)");
        if (e.begin > covered)
            throw FormatError(e.name, "starts at byte " + str(e.begin) + " of the data buffer, leaving bytes " +
                                          str(covered) + ".." + str(e.begin) + " to no tensor" +
                                          (previous ? " (the previous tensor, " + previous->name + ", ends at " +
                                                          str(previous->end) + ")"
                                                    : std::string(" (the first tensor must start at 0)")));
        covered = e.end;
        previous = &e;
    }
    if (covered != buffer_bytes)
        throw FormatError("bytes " + str(covered) + ".." + str(buffer_bytes) +
                          " of the data buffer belong to no tensor (the format requires the tensors to cover "
                          "the buffer exactly; is the header wrong, or something appended to the file?)");
}

// =====================================================================================
// [SECTION] Values
// =====================================================================================

// The value a non-finite element is reported as.
std::string nonfinite_phrase(double x) {
    if (std::isnan(x)) return "a NaN";
    return x > 0 ? "+inf" : "-inf";
}

Tensor convert(const Entry& e, const unsigned char* buffer) {
    Tensor t;
    t.name = e.name;
    t.dtype = e.dtype->name;
    t.shape = e.shape;
    t.begin = static_cast<std::size_t>(e.begin);
    t.end = static_cast<std::size_t>(e.end);
    const Decode decode = e.dtype->decode;
    t.converted = decode != Decode::other;
    if (!t.converted) return t;

    const std::size_t n = static_cast<std::size_t>(e.elements), size = e.dtype->bytes;
    const unsigned char* p = buffer + e.begin;
    t.values.resize(n);
    for (std::size_t i = 0; i < n; ++i, p += size) {
        double x;  // the value as stored (F64 needs the range check before narrowing)
        switch (decode) {
            case Decode::f32: x = float_from_bits(static_cast<std::uint32_t>(load_le(p, 4))); break;
            case Decode::f64: x = double_from_bits(load_le(p, 8)); break;
            case Decode::f16: x = half_to_float(static_cast<std::uint16_t>(load_le(p, 2))); break;
            default: x = bfloat16_to_float(static_cast<std::uint16_t>(load_le(p, 2))); break;
        }
        if (!std::isfinite(x))
            throw FormatError(t.name, "has " + nonfinite_phrase(x) + " at index " + str(i) + multi_index(i, t.shape) +
                                          "; weights must be finite");
        if (std::fabs(x) > static_cast<double>(FLT_MAX)) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.9g", x);
            throw FormatError(t.name, "has " + std::string(buf) + " at index " + str(i) + multi_index(i, t.shape) +
                                          ", too large for a 32-bit float (largest is about 3.4e38)");
        }
        t.values[i] = static_cast<float>(x);
    }
    return t;
}

// Sentinel source for json_text::read: its messages about the header as a whole carry it as their
// field, while messages about one entry carry the entry's (tensor's) name. A tensor could be
// called this too, but only its message wording would suffer.
const char* const kHeaderSource = "\x01safetensors header";

}  // namespace

// =====================================================================================
// [SECTION] Parsing a file
// =====================================================================================

std::size_t Tensor::element_count() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;  // checked not to overflow when the file was parsed
    return n;
}

const Tensor* File::find(const std::string& name) const {
    for (const Tensor& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

const std::string* File::find_metadata(const std::string& key) const {
    for (const auto& [k, v] : metadata)
        if (k == key) return &v;
    return nullptr;
}

File parse(const std::string& bytes) {
    File out;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    if (bytes.size() < 8)
        throw FormatError("is " + str(bytes.size()) +
                          " bytes long, too short for a safetensors file (it starts with an 8-byte header length)");
    const std::uint64_t header_bytes = load_le(data, 8);
    const std::uint64_t after_length = bytes.size() - 8;
    // The cap first: a length beyond it means "not a safetensors file" whatever the file's size.
    if (header_bytes > kMaxHeaderBytes)
        throw FormatError("the header length is " + str(header_bytes) + " bytes, more than the format's limit of " +
                          str(kMaxHeaderBytes) + " (100 MB): not a safetensors file?");
    if (header_bytes > after_length)
        throw FormatError("the header length is " + str(header_bytes) + " bytes, but only " + str(after_length) +
                          " bytes follow it (a truncated file, or not a safetensors file)");
    const std::string header(bytes, 8, static_cast<std::size_t>(header_bytes));
    if (header.empty() || header[0] != '{')
        throw FormatError("the header does not start with '{' (it must be a JSON object)");

    // nlohmann's parser stops at a NUL byte as if the input ended there, so a header padded
    // with NULs (or with anything after one) would pass. Raw NUL is never valid JSON text.
    const std::size_t nul = header.find('\0');
    if (nul != std::string::npos) {
        if (header.find_first_not_of('\0', nul) == std::string::npos)
            throw FormatError("the header is padded with NUL bytes from byte " + str(nul) +
                              " on; the format pads it with spaces (0x20)");
        throw FormatError("the header has a NUL byte at byte " + str(nul) + ", which JSON does not allow");
    }

    json root;
    try {
        root = json_text::read(header, kHeaderSource);
    } catch (const Error& e) {
        if (e.field() != kHeaderSource) throw FormatError(e.field(), e.problem());
        std::string problem = e.problem();  // "invalid JSON: parse error at ..." for syntax errors
        const std::string tag = "invalid JSON: ";
        if (problem.compare(0, tag.size(), tag) == 0) problem.erase(0, tag.size());
        throw FormatError("the header is not valid JSON: " + problem);
    }
    if (!root.is_object())
        throw FormatError("the header is " + json_text::type_phrase(root) + ", expected a JSON object");

    const std::uint64_t buffer_bytes = after_length - header_bytes;
    std::vector<Entry> entries;
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() == "__metadata__")
            read_metadata(it.value(), out);
        else
            entries.push_back(read_entry(it.key(), it.value(), buffer_bytes));
    }
    check_coverage(entries, buffer_bytes);

    const unsigned char* buffer = data + 8 + header_bytes;
    for (const Entry& e : entries) out.tensors.push_back(convert(e, buffer));
    return out;
}

// =====================================================================================
// [SECTION] Writing a file
// =====================================================================================

namespace {

// A JSON string literal (nlohmann escapes quotes, backslashes and control characters; names
// must be valid UTF-8, as the format's header is).
std::string quoted(const std::string& s) {
    try {
        return json(s).dump();
    } catch (const json::exception&) {
        throw Error("safetensors name \"" + s + "\" is not valid UTF-8");
    }
}

void append_le32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

std::string write(const std::vector<TensorView>& tensors, const Metadata& metadata) {
    std::string header = "{";
    if (!metadata.empty()) {
        header += "\"__metadata__\":{";
        for (std::size_t i = 0; i < metadata.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j)
                if (metadata[j].first == metadata[i].first)
                    throw Error("safetensors metadata key \"" + metadata[i].first + "\" appears twice");
            header += (i ? "," : "") + quoted(metadata[i].first) + ":" + quoted(metadata[i].second);
        }
        header += "}";
    }
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> counts;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const TensorView& t = tensors[i];
        if (t.name.empty()) throw Error("safetensors tensor " + str(i) + " has an empty name");
        if (t.name == "__metadata__") throw Error("a safetensors tensor cannot be called __metadata__");
        for (std::size_t j = 0; j < i; ++j)
            if (tensors[j].name == t.name) throw Error("safetensors tensor \"" + t.name + "\" appears twice");
        const std::uint64_t n = element_count(t.shape, t.name);
        if (n > 0 && !t.values) throw Error(t.name, "has no values");
        for (std::uint64_t k = 0; k < n; ++k)
            if (!std::isfinite(t.values[k]))
                throw Error(t.name, "[" + str(k) + "] is " + (std::isnan(t.values[k]) ? "NaN" : "infinite") +
                                        "; only finite values are written");
        counts.push_back(n);
        header += (header.size() > 1 ? "," : "") + quoted(t.name) +
                  ":{\"dtype\":\"F32\",\"shape\":" + shape_text(t.shape) + ",\"data_offsets\":[" + str(offset) + "," +
                  str(offset + 4 * n) + "]}";
        offset += 4 * n;
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');  // the data starts 8-byte aligned

    std::string out;
    out.reserve(8 + header.size() + offset);
    const std::uint64_t length = header.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((length >> (8 * i)) & 0xFF);
    out += header;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        for (std::uint64_t k = 0; k < counts[i]; ++k) {
            std::uint32_t bits;
            std::memcpy(&bits, &tensors[i].values[k], 4);
            append_le32(out, bits);
        }
    return out;
}

}  // namespace attn::safetensors
