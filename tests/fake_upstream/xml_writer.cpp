#include "xml_writer.h"

#include <cstdint>

namespace fake_upstream {
namespace {

const char kReplacement[] = "\xEF\xBF\xBD";

size_t sequence_length(unsigned char lead) {
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xE)
        return 3;
    if ((lead >> 3) == 0x1E)
        return 4;
    return 0;
}

// Length of the valid UTF-8 sequence at text[pos] and its code point; 0 if invalid.
size_t decode_utf8(std::string_view text, size_t pos, uint32_t& code_point) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(pos);
    size_t length = sequence_length(lead);
    if (length == 0 || pos + length > text.size())
        return 0;
    code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
        if ((byte(pos + i) & 0xC0) != 0x80)
            return 0;
        code_point = (code_point << 6) | (byte(pos + i) & 0x3F);
    }
    static const uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF)
        return 0;
    return length;
}

bool allowed_in_xml(uint32_t c) {
    if (c < 0x20)
        return c == '\t' || c == '\n' || c == '\r';
    if (c >= 0xD800 && c <= 0xDFFF)
        return false;
    return c != 0xFFFE && c != 0xFFFF;
}

// Entity for an ASCII character that must not appear literally, or nullptr.
const char* entity_for(char c, bool attribute) {
    switch (c) {
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '&':
            return "&amp;";
        case '\r':
            return "&#13;";  // parsers would normalise a literal CR away
        default:
            break;
    }
    if (!attribute)
        return nullptr;
    switch (c) {
        case '"':
            return "&quot;";
        case '\n':
            return "&#10;";
        case '\t':
            return "&#9;";
        default:
            return nullptr;
    }
}

}  // namespace

const char kXmlDeclaration[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string xml_escape(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        uint32_t code_point = 0;
        size_t length = decode_utf8(text, pos, code_point);
        if (length == 0 || !allowed_in_xml(code_point)) {
            out += kReplacement;
            pos += length == 0 ? 1 : length;
            continue;
        }
        const char* entity = length == 1 ? entity_for(text[pos], attribute) : nullptr;
        if (entity) {
            out += entity;
        } else {
            out.append(text.substr(pos, length));
        }
        pos += length;
    }
    return out;
}

XmlNode::XmlNode(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {}

XmlNode& XmlNode::attr(std::string name, std::string value) {
    attrs_.emplace_back(std::move(name), std::move(value));
    return *this;
}

XmlNode& XmlNode::add(std::string name, std::string text) {
    return add(XmlNode(std::move(name), std::move(text)));
}

XmlNode& XmlNode::add(XmlNode child) {
    children_.push_back(std::move(child));
    return children_.back();
}

void XmlNode::write(std::string& out) const {
    out += '<';
    out += name_;
    for (const auto& [name, value] : attrs_) {
        out += ' ' + name + "=\"" + xml_escape(value, true) + '"';
    }
    if (text_.empty() && children_.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += xml_escape(text_);
    for (const auto& child : children_)
        child.write(out);
    out += "</" + name_ + '>';
}

std::string XmlNode::str() const {
    std::string out;
    write(out);
    return out;
}

std::string xml_document(const XmlNode& root) {
    std::string out = kXmlDeclaration;
    root.write(out);
    out += '\n';
    return out;
}

}  // namespace fake_upstream
