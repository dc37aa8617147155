#include "core/scrub.h"

#include <algorithm>
#include <cctype>

namespace pmb {
namespace {

// Field names whose values are secret wherever they appear as name=value or <name>value</name>.
const char* const kSecretFields[] = {"authinfo", "password",    "passwd", "dbpassword",
                                     "pkey",     "private_key", "key"};

bool is_secret_field(const std::string& name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* field : kSecretFields)
        if (lower == field)
            return true;
    return false;
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
    if (what.empty())
        return;
    for (size_t pos = text.find(what); pos != std::string::npos;
         pos = text.find(what, pos + with.size()))
        text.replace(pos, what.size(), with);
}

std::string xml_escape(const std::string& value) {
    std::string out;
    for (char c : value) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// name=value pairs (form bodies, argv, messages): hide the value up to the next separator.
void hide_form_fields(std::string& text) {
    for (size_t eq = text.find('='); eq != std::string::npos; eq = text.find('=', eq + 1)) {
        size_t start = eq;
        while (start > 0 && is_name_char(text[start - 1]))
            --start;
        if (start == eq || !is_secret_field(text.substr(start, eq - start)))
            continue;
        size_t end = text.find_first_of("& \t\r\n\"'<", eq + 1);
        if (end == std::string::npos)
            end = text.size();
        text.replace(eq + 1, end - eq - 1, Scrubber::kMask);
    }
}

// <password>…</password> and similar elements.
void hide_xml_elements(std::string& text) {
    for (size_t open = text.find('<'); open != std::string::npos; open = text.find('<', open + 1)) {
        size_t name_end = open + 1;
        while (name_end < text.size() && is_name_char(text[name_end]))
            ++name_end;
        if (name_end == open + 1 || name_end >= text.size())
            continue;
        std::string name = text.substr(open + 1, name_end - open - 1);
        if (!is_secret_field(name))
            continue;
        size_t content = text.find('>', name_end);
        if (content == std::string::npos || text[content - 1] == '/')
            continue;
        size_t close = text.find("</" + name, content);
        if (close == std::string::npos)
            close = text.size();
        text.replace(content + 1, close - content - 1, Scrubber::kMask);
    }
}

// The label of a PEM boundary, with URL-encoded spaces decoded ("RSA%20PRIVATE%20KEY").
std::string pem_label(const std::string& text, size_t from, size_t to) {
    std::string label = text.substr(from, to - from);
    replace_all(label, "%20", " ");
    std::replace(label.begin(), label.end(), '+', ' ');
    return label;
}

// -----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----, plain or URL-encoded.
void hide_private_keys(std::string& text) {
    const std::string begin = "-----BEGIN";
    for (size_t pos = text.find(begin); pos != std::string::npos; pos = text.find(begin, pos + 1)) {
        size_t label_end = text.find("-----", pos + begin.size());
        if (label_end == std::string::npos)
            break;
        if (pem_label(text, pos, label_end).find("PRIVATE KEY") == std::string::npos)
            continue;
        size_t end = text.find("-----END", label_end);
        size_t stop = end == std::string::npos ? std::string::npos : text.find("-----", end + 8);
        stop = stop == std::string::npos ? text.size() : stop + 5;
        text.replace(pos, stop - pos, "[private key hidden]");
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
    std::string plus_form = url_encode(value);
    replace_all(plus_form, "%20", "+");
    for (const std::string& form : {value, url_encode(value), plus_form, xml_escape(value)}) {
        if (std::find(secret_forms_.begin(), secret_forms_.end(), form) == secret_forms_.end())
            secret_forms_.push_back(form);
    }
    // Longest first, so a secret that contains another is hidden whole.
    std::sort(secret_forms_.begin(), secret_forms_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Scrubber::clean(std::string text) const {
    hide_private_keys(text);
    for (const auto& form : secret_forms_)
        replace_all(text, form, kMask);
    hide_form_fields(text);
    hide_xml_elements(text);
    return text;
}

}  // namespace pmb
