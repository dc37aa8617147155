#include "core/scrub.h"

#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace pmb {
namespace {

constexpr size_t npos = std::string_view::npos;

// Field names whose values are secret wherever they appear as name=value or <name>value</name>.
const char* const kSecretFields[] = {"authinfo", "password",    "passwd", "dbpassword",
                                     "pkey",     "private_key", "key"};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_secret_field(std::string_view name) {
    for (const char* field : kSecretFields)
        if (iequals(name, field))
            return true;
    return false;
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Replaces spans of a text, left to right, in one pass: the scrubber sees every log line and
// answers of tens of megabytes, so no pass may move the tail once per replacement. While the
// text so far has not grown, it is rewritten in place (no copy of a large text); past that,
// into a new string. A pass reads the text only at and after its last replaced span.
class Rewrite {
public:
    explicit Rewrite(std::string& text) : text_(text) {}

    // Keeps the text up to from, and puts with instead of [from, to).
    void replace(size_t from, size_t to, std::string_view with) {
        keep_up_to(from);
        if (in_place_ && written_ + with.size() > to) {
            out_.reserve(text_.size() + with.size());
            out_.assign(text_, 0, written_);
            in_place_ = false;
        }
        if (in_place_) {
            std::copy(with.begin(), with.end(), text_.begin() + written_);
            written_ += with.size();
        } else {
            out_.append(with);
        }
        read_ = to;
    }

    // Puts the result in the text.
    void finish() {
        keep_up_to(text_.size());
        if (in_place_)
            text_.resize(written_);
        else
            text_.swap(out_);
    }

private:
    void keep_up_to(size_t from) {
        if (!in_place_)
            out_.append(text_, read_, from - read_);
        else if (written_ != read_)
            std::copy(text_.begin() + read_, text_.begin() + from, text_.begin() + written_);
        written_ += from - read_;
        read_ = from;
    }

    std::string& text_;
    std::string out_;
    size_t read_ = 0;     // text_ before it is done with
    size_t written_ = 0;  // in place: the result so far is text_[0, written_)
    bool in_place_ = true;
};

// name=value pairs (form bodies, argv, messages): hide the value up to the next separator.
void hide_form_fields(std::string_view text, Rewrite& out) {
    for (size_t eq = text.find('='); eq != npos; eq = text.find('=', eq + 1)) {
        size_t start = eq;
        while (start > 0 && is_name_char(text[start - 1]))
            --start;
        if (start == eq || !is_secret_field(text.substr(start, eq - start)))
            continue;
        size_t from = eq + 1;
        size_t end = std::min(text.find_first_of("& \t\r\n\"'<", from), text.size());
        // An attribute (name="value" in XML, an argv echo): the value is what the quotes hold.
        if (from < text.size() && (text[from] == '"' || text[from] == '\'')) {
            ++from;
            end = std::min(text.find(text[eq + 1], from), text.size());
        }
        out.replace(from, end, Scrubber::kMask);
        eq = std::max(end, from) - 1;  // an '=' inside the hidden value starts no field
    }
}

// <password>…</password> and similar elements.
void hide_xml_elements(std::string_view text, Rewrite& out) {
    for (size_t open = text.find('<'); open != npos; open = text.find('<', open + 1)) {
        size_t name_end = open + 1;
        while (name_end < text.size() && is_name_char(text[name_end]))
            ++name_end;
        if (name_end == open + 1 || name_end >= text.size())
            continue;
        std::string_view name = text.substr(open + 1, name_end - open - 1);
        if (!is_secret_field(name))
            continue;
        size_t content = text.find('>', name_end);
        if (content == npos)
            break;  // no later element can have content either
        if (text[content - 1] == '/')
            continue;
        size_t close = std::min(text.find("</" + std::string(name), content), text.size());
        out.replace(content + 1, close, Scrubber::kMask);
        open = close - 1;
    }
}

// The label of a PEM boundary, with URL-encoded spaces decoded ("RSA%20PRIVATE%20KEY").
std::string pem_label(std::string_view text, size_t from, size_t to) {
    std::string label;
    for (size_t at = from; at < to; ++at) {
        if (text.compare(at, 3, "%20") == 0) {
            label += ' ';
            at += 2;
        } else {
            label += text[at] == '+' ? ' ' : text[at];
        }
    }
    return label;
}

// -----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----, plain or URL-encoded.
void hide_private_keys(std::string_view text, Rewrite& out) {
    const std::string_view begin = "-----BEGIN";
    for (size_t pos = text.find(begin); pos != npos; pos = text.find(begin, pos + 1)) {
        size_t label_end = text.find("-----", pos + begin.size());
        if (label_end == npos)
            break;
        if (pem_label(text, pos, label_end).find("PRIVATE KEY") == npos)
            continue;
        size_t end = text.find("-----END", label_end);
        size_t stop = end == npos ? npos : text.find("-----", end + 8);
        stop = stop == npos ? text.size() : stop + 5;
        out.replace(pos, stop, Scrubber::kKeyMask);
        pos = stop - 1;
    }
}

// ---- Registered secrets in any encoding -------------------------------------------------

constexpr char32_t kMaxCodePoint = 0x10FFFF;

int digit_value(char c, int base) {
    int v = -1;
    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    return v < base ? v : -1;
}

// The value of count hex digits (either case) at text[at], or -1.
long hex_at(std::string_view text, size_t at, size_t count) {
    if (at + count > text.size())
        return -1;
    long value = 0;
    for (size_t i = 0; i < count; ++i) {
        int digit = digit_value(text[at + i], 16);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

// The end of bytes written at text[at] with each byte raw or as %XX (either case), or npos.
size_t percent_end(std::string_view text, size_t at, std::string_view bytes) {
    for (char byte : bytes) {
        if (text.compare(at, 1, "%") == 0 && hex_at(text, at + 1, 2) == static_cast<uint8_t>(byte))
            at += 3;
        else if (at < text.size() && text[at] == byte)
            at += 1;
        else
            return npos;
    }
    return at;
}

struct NamedEntity {
    std::string_view name;
    char32_t code;
};
const NamedEntity kNamedEntities[] = {
    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};

// The end of &#N; &#xH; (leading zeros allowed) or a named entity for code at text[at], or npos.
size_t reference_end(std::string_view text, size_t at, char32_t code) {
    if (text.compare(at, 2, "&#") != 0) {
        for (const NamedEntity& entity : kNamedEntities)
            if (entity.code == code && iequals(text.substr(at, entity.name.size()), entity.name))
                return at + entity.name.size();
        return npos;
    }
    size_t p = at + 2;
    int base = 10;
    if (p < text.size() && (text[p] == 'x' || text[p] == 'X')) {
        base = 16;
        ++p;
    }
    size_t digits_start = p;
    char32_t value = 0;
    for (; p < text.size() && digit_value(text[p], base) >= 0; ++p) {
        value = value * base + static_cast<char32_t>(digit_value(text[p], base));
        if (value > kMaxCodePoint)
            return npos;
    }
    if (p == digits_start || p >= text.size() || text[p] != ';' || value != code)
        return npos;
    return p + 1;
}

struct JsonEscape {
    char letter;
    char32_t code;
};
const JsonEscape kJsonEscapes[] = {{'"', '"'},   {'\\', '\\'}, {'/', '/'},
                                   {'\'', '\''}, {'b', '\b'},  {'f', '\f'},
                                   {'n', '\n'},  {'r', '\r'},  {'t', '\t'}};

// The end of a JSON escape for code at text[at]: \uXXXX (a surrogate pair past the BMP) or
// a one-letter escape (\" \\ \/ \n …); npos if there is none.
size_t json_escape_end(std::string_view text, size_t at, char32_t code) {
    if (text.compare(at, 2, "\\u") == 0) {
        long unit = hex_at(text, at + 2, 4);
        if (code < 0x10000)
            return unit == static_cast<long>(code) ? at + 6 : npos;
        long high = 0xD800 + ((code - 0x10000) >> 10);
        long low = 0xDC00 + ((code - 0x10000) & 0x3FF);
        bool pair =
            unit == high && text.compare(at + 6, 2, "\\u") == 0 && hex_at(text, at + 8, 4) == low;
        return pair ? at + 12 : npos;
    }
    if (at + 1 >= text.size() || text[at] != '\\')
        return npos;
    for (const JsonEscape& escape : kJsonEscapes)
        if (escape.code == code && text[at + 1] == escape.letter)
            return at + 2;
    return npos;
}

// Adds to ends the end of every form of c that starts at text[at].
void add_ends_of_char(std::string_view text, size_t at, const Scrubber::SecretChar& c,
                      std::vector<size_t>& ends) {
    if (at >= text.size())
        return;
    auto add = [&](size_t end) {
        if (end != npos)
            ends.push_back(end);
    };
    if (text.compare(at, c.bytes.size(), c.bytes) == 0)
        add(at + c.bytes.size());
    if (text[at] == '%' || c.bytes.size() > 1)
        add(percent_end(text, at, c.bytes));
    if (text[at] == '+' && c.code == ' ')
        add(at + 1);
    if (text[at] == '&')
        add(reference_end(text, at, c.code));
    if (text[at] == '\\')
        add(json_escape_end(text, at, c.code));
}

// Where one occurrence of secret starting at text[at] ends (the longest one), or npos. Some
// characters have forms that start alike ('%' raw or as %25), so it follows every way at once.
size_t match_end(std::string_view text, size_t at, const Scrubber::Secret& secret,
                 std::vector<size_t>& here, std::vector<size_t>& next) {
    here.assign(1, at);
    for (const Scrubber::SecretChar& c : secret.chars) {
        next.clear();
        for (size_t from : here)
            add_ends_of_char(text, from, c, next);
        if (next.empty())
            return npos;
        std::sort(next.begin(), next.end());
        next.erase(std::unique(next.begin(), next.end()), next.end());
        here.swap(next);
    }
    return here.back();
}

std::vector<Scrubber::SecretChar> characters_of(const std::string& value) {
    std::vector<Scrubber::SecretChar> chars;
    for (size_t at = 0; at < value.size();) {
        char32_t code = 0;
        size_t length = utf8_char(value, at, code);
        if (length == 0) {
            length = 1;
            code = static_cast<uint8_t>(value[at]);
        }
        chars.push_back({value.substr(at, length), code});
        at += length;
    }
    return chars;
}

using MayStart = std::array<bool, 256>;

// Every occurrence of the secrets, in any form, hidden; may_start tells the bytes where one
// can begin, so most of the text costs one table look-up per byte.
void hide_secrets(std::string_view text, Rewrite& out, const std::vector<Scrubber::Secret>& secrets,
                  const MayStart& may_start) {
    std::vector<size_t> here, next;
    for (size_t at = 0; at < text.size();) {
        size_t end = npos;
        if (may_start[static_cast<uint8_t>(text[at])]) {
            // The longest occurrence of any secret, so one containing another hides whole.
            for (const Scrubber::Secret& secret : secrets) {
                size_t secret_end = match_end(text, at, secret, here, next);
                if (secret_end != npos && (end == npos || secret_end > end))
                    end = secret_end;
            }
        }
        if (end == npos) {
            ++at;
            continue;
        }
        out.replace(at, end, Scrubber::kMask);
        at = end;
    }
}

}  // namespace

std::string url_encode(const std::string& value) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

Scrubber& Scrubber::global() {
    static Scrubber scrubber;
    return scrubber;
}

void Scrubber::add_secret(const std::string& value) {
    if (value.size() < 3)
        return;
    for (const Secret& known : secrets_)
        if (known.value == value)
            return;
    secrets_.push_back({value, characters_of(value)});
    const SecretChar& first = secrets_.back().chars.front();
    may_start_[static_cast<uint8_t>(first.bytes[0])] = true;
    for (char encoded_start : {'%', '&', '\\'})
        may_start_[static_cast<uint8_t>(encoded_start)] = true;
    if (first.code == ' ')
        may_start_['+'] = true;
}

std::string Scrubber::clean(std::string text) const {
    auto apply = [&text](auto pass) {
        Rewrite out(text);
        pass(std::string_view(text), out);
        out.finish();
    };
    apply(hide_private_keys);
    apply([this](std::string_view view, Rewrite& out) {
        hide_secrets(view, out, secrets_, may_start_);
    });
    apply(hide_form_fields);
    apply(hide_xml_elements);
    return text;
}

}  // namespace pmb
