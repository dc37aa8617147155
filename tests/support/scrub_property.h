// The scrubber's promise as a property, in one place for the fuzz target (fuzz_scrubber.cpp),
// its unit test (tests/unit/scrub_property_test.cpp) and the e2e secret checks (e2e_util.h):
// after scrubbing, no encoding of a secret survives. "Encoding" is what core/scrub.h claims
// to hide, each character on its own: raw, %XX in either case, '+' for a space, &#N; and
// &#xH; (leading zeros allowed), &amp; &lt; &gt; &quot; &apos;, JSON \uXXXX (a surrogate pair
// past the BMP) and \" \\ \/ \' \b \f \n \r \t. The check decodes the text itself, every way
// at every position, written apart from the scrubber so that it can catch the scrubber out.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scrub.h"

namespace pmtest::scrub {

// ---- Decoding ------------------------------------------------------------------------

// What one piece of text can stand for: up to 4 bytes (one UTF-8 character), ending at end.
struct Token {
    char bytes[4] = {};
    size_t size = 0;
    size_t end = 0;
};

inline int hex_digit(char c) {
    static const std::string_view kDigits = "0123456789abcdef";
    const size_t at = kDigits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// The value of exactly count hex digits at text[at], or -1.
inline long hex_value(std::string_view text, size_t at, size_t count) {
    if (at + count > text.size())
        return -1;
    long value = 0;
    for (size_t i = at; i < at + count; ++i) {
        if (hex_digit(text[i]) < 0)
            return -1;
        value = value * 16 + hex_digit(text[i]);
    }
    return value;
}

inline bool is_scalar_value(long code) {
    return code >= 0 && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
}

// A code point as its UTF-8 token.
inline Token utf8_token(long code, size_t end) {
    Token t;
    t.end = end;
    auto put = [&t](long byte) { t.bytes[t.size++] = static_cast<char>(byte); };
    if (code < 0x80) {
        put(code);
    } else if (code < 0x800) {
        put(0xC0 | code >> 6);
        put(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        put(0xE0 | code >> 12);
        put(0x80 | (code >> 6 & 0x3F));
        put(0x80 | (code & 0x3F));
    } else {
        put(0xF0 | code >> 18);
        put(0x80 | (code >> 12 & 0x3F));
        put(0x80 | (code >> 6 & 0x3F));
        put(0x80 | (code & 0x3F));
    }
    return t;
}

inline Token byte_token(char byte, size_t end) {
    Token t;
    t.bytes[0] = byte;
    t.size = 1;
    t.end = end;
    return t;
}

// &#N; &#xH; &#XH; at text[at].
inline std::optional<Token> numeric_reference(std::string_view text, size_t at) {
    size_t p = at + 2;
    const bool hex = p < text.size() && (text[p] == 'x' || text[p] == 'X');
    p += hex ? 1 : 0;
    const size_t digits = p;
    long code = 0;
    for (; p < text.size() && (hex ? hex_digit(text[p]) >= 0 : text[p] >= '0' && text[p] <= '9');
         ++p) {
        code = code * (hex ? 16 : 10) + hex_digit(text[p]);
        if (code > 0x10FFFF)
            return std::nullopt;
    }
    if (p == digits || p >= text.size() || text[p] != ';' || !is_scalar_value(code))
        return std::nullopt;
    return utf8_token(code, p + 1);
}

inline std::optional<Token> entity(std::string_view text, size_t at) {
    if (text.compare(at, 2, "&#") == 0)
        return numeric_reference(text, at);
    static const std::pair<std::string_view, char> kNamed[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
        {"&AMP;", '&'}, {"&LT;", '<'}, {"&GT;", '>'}, {"&QUOT;", '"'}};
    for (const auto& [name, byte] : kNamed)
        if (text.compare(at, name.size(), name) == 0)
            return byte_token(byte, at + name.size());
    return std::nullopt;
}

inline std::optional<Token> json_escape(std::string_view text, size_t at) {
    if (at + 1 >= text.size())
        return std::nullopt;
    if (text[at + 1] == 'u') {
        const long unit = hex_value(text, at + 2, 4);
        if (is_scalar_value(unit))
            return utf8_token(unit, at + 6);
        const bool high = unit >= 0xD800 && unit < 0xDC00;
        const long low =
            high && text.compare(at + 6, 2, "\\u") == 0 ? hex_value(text, at + 8, 4) : -1;
        if (low >= 0xDC00 && low < 0xE000)
            return utf8_token(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), at + 12);
        return std::nullopt;
    }
    static const std::string_view kLetters = "\"\\/'bfnrt";
    static const std::string_view kBytes = "\"\\/'\b\f\n\r\t";
    const size_t which = kLetters.find(text[at + 1]);
    if (which == std::string_view::npos)
        return std::nullopt;
    return byte_token(kBytes[which], at + 2);
}

// Every reading of the text at `at`: the byte itself, and the one escape starting there.
struct Readings {
    Token items[2];
    int count = 0;
};

inline Readings readings_at(std::string_view text, size_t at) {
    Readings r;
    r.items[r.count++] = byte_token(text[at], at + 1);
    std::optional<Token> decoded;
    if (text[at] == '%' && hex_value(text, at + 1, 2) >= 0)
        decoded = byte_token(static_cast<char>(hex_value(text, at + 1, 2)), at + 3);
    else if (text[at] == '+')
        decoded = byte_token(' ', at + 1);
    else if (text[at] == '&')
        decoded = entity(text, at);
    else if (text[at] == '\\')
        decoded = json_escape(text, at);
    if (decoded)
        r.items[r.count++] = *decoded;
    return r;
}

// Whether the text from `at` decodes, one reading after another, to secret[matched..].
// Two readings per position would make this exponential (a '%' of the secret against "%25"
// in the text); `failed` remembers each (at, matched) already known not to decode, so every
// pair is tried once: O(text size x secret size).
inline bool decodes_from(std::string_view text, size_t at, std::string_view secret, size_t matched,
                         std::vector<bool>& failed) {
    if (matched == secret.size())
        return true;
    if (at >= text.size())
        return false;
    const size_t state = at * secret.size() + matched;
    if (failed[state])
        return false;
    const Readings r = readings_at(text, at);
    for (int i = 0; i < r.count; ++i) {
        const Token& t = r.items[i];
        if (secret.compare(matched, t.size, t.bytes, t.size) == 0 &&
            decodes_from(text, t.end, secret, matched + t.size, failed))
            return true;
    }
    failed[state] = true;
    return false;
}

// The text a scrubber left of the input, between the masks it put in place of what it hid.
inline std::vector<std::string_view> unmasked_pieces(std::string_view out) {
    const std::string_view masks[] = {pmb::Scrubber::kMask, pmb::Scrubber::kKeyMask};
    std::vector<std::string_view> pieces;
    size_t from = 0;
    while (true) {
        size_t next = std::string_view::npos, length = 0;
        for (std::string_view mask : masks) {
            const size_t at = out.find(mask, from);
            if (at < next) {
                next = at;
                length = mask.size();
            }
        }
        pieces.push_back(out.substr(from, next == std::string_view::npos ? next : next - from));
        if (next == std::string_view::npos)
            return pieces;
        from = next + length;
    }
}

// Where an encoding of the secret survives in the text (outside the masks), or nullopt.
inline std::optional<size_t> surviving_at(std::string_view text, std::string_view secret) {
    if (secret.empty())
        return std::nullopt;
    for (std::string_view piece : unmasked_pieces(text)) {
        std::vector<bool> failed(piece.size() * secret.size());
        for (size_t at = 0; at < piece.size(); ++at)
            if (decodes_from(piece, at, secret, 0, failed))
                return static_cast<size_t>(piece.data() - text.data()) + at;
    }
    return std::nullopt;
}

// ---- Encoding: how the fuzz target and the tests write a secret ----------------------

// A character of the secret: a valid UTF-8 sequence (code >= 0) or a lone byte (code -1).
struct Char {
    std::string bytes;
    long code = -1;
};

inline std::vector<Char> characters(const std::string& value) {
    std::vector<Char> chars;
    for (size_t at = 0; at < value.size();) {
        const auto lead = static_cast<uint8_t>(value[at]);
        const size_t length = lead < 0x80             ? 1
                              : (lead & 0xE0) == 0xC0 ? 2
                              : (lead & 0xF0) == 0xE0 ? 3
                              : (lead & 0xF8) == 0xF0 ? 4
                                                      : 0;
        long code = length == 1 ? lead : lead & (0x7F >> length);
        bool valid = length > 0 && at + length <= value.size();
        for (size_t i = 1; valid && i < length; ++i) {
            const auto next = static_cast<uint8_t>(value[at + i]);
            valid = (next & 0xC0) == 0x80;
            code = code << 6 | (next & 0x3F);
        }
        const long shortest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (valid && code >= shortest[length] && is_scalar_value(code)) {
            chars.push_back({value.substr(at, length), code});
            at += length;
        } else {
            chars.push_back({value.substr(at, 1), -1});
            at += 1;
        }
    }
    return chars;
}

enum class Form {
    kRaw,
    kPercentUpper,      // %C3%A9
    kPercentLower,      // %c3%a9
    kPercentMixedCase,  // %Cb, every second byte of a character raw
    kPlus,              // '+' for a space, %XX for the rest
    kDecimal,           // &#233;
    kDecimalZeros,      // &#000233;
    kHex,               // &#xe9;
    kHexUpper,          // &#XE9;
    kNamed,             // &amp; (else &#N;)
    kJsonU,             // \u00e9, a surrogate pair past the BMP
    kJsonUUpper,        // \u00E9
    kJsonLetter,        // \" \n … (else \uXXXX)
};
constexpr int kForms = 13;

inline std::string formatted(const char* format, long value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

inline std::string percent_bytes(const std::string& bytes, const char* format) {
    std::string out;
    for (char byte : bytes)
        out += formatted(format, static_cast<uint8_t>(byte));
    return out;
}

// %Xx (the high digit upper case, the low one lower), with every second byte raw.
inline std::string percent_mixed_case(const std::string& bytes) {
    static const char upper[] = "0123456789ABCDEF", lower[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<uint8_t>(bytes[i]);
        if (i % 2 == 1) {
            out += bytes[i];
            continue;
        }
        out += '%';
        out += upper[byte >> 4];
        out += lower[byte & 15];
    }
    return out;
}

inline std::string json_units(long code, const char* format) {
    if (code < 0x10000)
        return formatted(format, code);
    return formatted(format, 0xD800 + ((code - 0x10000) >> 10)) +
           formatted(format, 0xDC00 + ((code - 0x10000) & 0x3FF));
}

inline std::string named_or_decimal(const Char& c) {
    switch (c.code) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&apos;";
    }
    return formatted("&#%ld;", c.code);
}

inline std::string letter_or_unit(const Char& c) {
    static const std::string_view kLetters = "\"\\/'bfnrt";
    static const std::string_view kBytes = "\"\\/'\b\f\n\r\t";
    const size_t which = c.code < 0x80 ? kBytes.find(static_cast<char>(c.code)) : kBytes.npos;
    if (which == kBytes.npos)
        return json_units(c.code, "\\u%04lx");
    return std::string("\\") + kLetters[which];
}

// One character in a form. A lone byte (not UTF-8) has no code point: it goes as %XX.
inline std::string encode(const Char& c, Form form) {
    if (c.code < 0 && form > Form::kPlus)
        form = Form::kPercentUpper;
    switch (form) {
        case Form::kRaw:
            return c.bytes;
        case Form::kPercentUpper:
            return percent_bytes(c.bytes, "%%%02lX");
        case Form::kPercentLower:
            return percent_bytes(c.bytes, "%%%02lx");
        case Form::kPercentMixedCase:
            return percent_mixed_case(c.bytes);
        case Form::kPlus:
            return c.bytes == " " ? "+" : percent_bytes(c.bytes, "%%%02lX");
        case Form::kDecimal:
            return formatted("&#%ld;", c.code);
        case Form::kDecimalZeros:
            return formatted("&#%07ld;", c.code);
        case Form::kHex:
            return formatted("&#x%lx;", c.code);
        case Form::kHexUpper:
            return formatted("&#X%lX;", c.code);
        case Form::kNamed:
            return named_or_decimal(c);
        case Form::kJsonU:
            return json_units(c.code, "\\u%04lx");
        case Form::kJsonUUpper:
            return json_units(c.code, "\\u%04lX");
        case Form::kJsonLetter:
            return letter_or_unit(c);
    }
    return c.bytes;
}

// The whole secret, every character in the same form.
inline std::string encode(const std::string& secret, Form form) {
    std::string out;
    for (const Char& c : characters(secret))
        out += encode(c, form);
    return out;
}

// ---- The fuzz target's input and its check -------------------------------------------

// A length byte, the secret, one form byte per byte of it (a character takes the byte at its
// first), a position byte, and the text the encoded secret is put into at that position.
struct Case {
    std::string secret;
    std::string encoded;
    std::string text;
};

inline std::optional<Case> case_from_input(const uint8_t* data, size_t size) {
    if (size < 1)
        return std::nullopt;
    const size_t length = 3 + data[0] % 30;
    if (size < 1 + 2 * length + 1)
        return std::nullopt;
    Case c;
    c.secret.assign(reinterpret_cast<const char*>(data + 1), length);
    const uint8_t* forms = data + 1 + length;
    size_t at = 0;
    for (const Char& ch : characters(c.secret)) {
        c.encoded += encode(ch, static_cast<Form>(forms[at] % kForms));
        at += ch.bytes.size();
    }
    const size_t rest = 1 + 2 * length + 1;
    c.text.assign(reinterpret_cast<const char*>(data + rest), size - rest);
    c.text.insert(c.text.size() * data[rest - 1] / 255, c.encoded);
    return c;
}

// The input for a case: secret with the form byte of each character, the encoded secret put
// at position (0 the start, 255 the end) of text.
inline std::vector<uint8_t> input_for(const std::string& secret, const std::vector<Form>& forms,
                                      uint8_t position, const std::string& text) {
    std::vector<uint8_t> in{static_cast<uint8_t>(secret.size() - 3)};
    in.insert(in.end(), secret.begin(), secret.end());
    size_t i = 0;
    for (const Char& ch : characters(secret)) {
        const Form form = forms.at(i++ % forms.size());
        in.insert(in.end(), ch.bytes.size(), static_cast<uint8_t>(form));
    }
    in.push_back(position);
    in.insert(in.end(), text.begin(), text.end());
    return in;
}

// A scrubber under test: (secret registered, text) -> the text as it would be logged.
using ScrubFunction = std::function<std::string(const std::string&, const std::string&)>;

inline std::string real_scrub(const std::string& secret, const std::string& text) {
    pmb::Scrubber scrubber;
    scrubber.add_secret(secret);
    return scrubber.clean(text);
}

// What is wrong with the scrubber's output for the case, or nullopt when the property holds.
inline std::optional<std::string> violation(const Case& c, const ScrubFunction& scrub) {
    const std::string out = scrub(c.secret, c.text);
    const std::optional<size_t> at = surviving_at(out, c.secret);
    if (!at)
        return std::nullopt;
    return "an encoding of the secret survived at " + std::to_string(*at) +
           "\nput in as: " + c.encoded + "\noutput: " + out;
}

}  // namespace pmtest::scrub
