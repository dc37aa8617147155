// A tiny XML tree and serializer with correct escaping (the fake's answers may echo any input).
#pragma once

#include <list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fake_upstream {

// Escapes text for element content or (attribute = true) a double-quoted attribute value.
// Invalid UTF-8 and characters XML 1.0 forbids become U+FFFD.
std::string xml_escape(std::string_view text, bool attribute = false);

class XmlNode {
public:
    explicit XmlNode(std::string name, std::string text = "");

    XmlNode& attr(std::string name, std::string value);
    // Appends a child and returns it; references stay valid (children live in a list).
    XmlNode& add(std::string name, std::string text = "");
    XmlNode& add(XmlNode child);

    void write(std::string& out) const;
    std::string str() const;

private:
    std::string name_;
    std::string text_;
    std::vector<std::pair<std::string, std::string>> attrs_;
    std::list<XmlNode> children_;
};

extern const char kXmlDeclaration[];

// The full document: declaration + root element.
std::string xml_document(const XmlNode& root);

}  // namespace fake_upstream
