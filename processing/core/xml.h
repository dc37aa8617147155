// Thin RAII layer over libxml2: build documents with escaping done by the library, parse
// documents, and read children by name.
#pragma once

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pmb {

class XmlNode {
public:
    explicit XmlNode(xmlNodePtr node) : node_(node) {}

    XmlNode add(const std::string& name, const std::string& text = {});
    XmlNode& set_attr(const std::string& name, const std::string& value);

    std::string name() const;
    std::string text() const;
    std::optional<std::string> attr(const std::string& name) const;
    // First child element with this name.
    std::optional<XmlNode> child(const std::string& name) const;
    std::string child_text(const std::string& name) const;
    std::vector<XmlNode> children(const std::string& name = {}) const;
    xmlNodePtr raw() const { return node_; }

private:
    xmlNodePtr node_;
};

class XmlDoc {
public:
    explicit XmlDoc(const std::string& root_name);
    // Throws pmb::Error(type, "xml", …) when the text is not well-formed XML.
    static XmlDoc parse(const std::string& text, const std::string& error_type);

    XmlNode root() const { return XmlNode(xmlDocGetRootElement(doc_.get())); }
    std::string to_string() const;  // with the XML declaration, UTF-8

private:
    struct Deleter {
        void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
    };
    explicit XmlDoc(xmlDocPtr doc) : doc_(doc) {}
    std::unique_ptr<xmlDoc, Deleter> doc_;
};

// Writes a document element by element into memory: for answers too long to hold as a DOM
// (one tree node costs more than a hundred bytes, the written text only its own size).
class XmlWriter {
public:
    explicit XmlWriter(const std::string& root_name);
    ~XmlWriter();
    XmlWriter(const XmlWriter&) = delete;
    XmlWriter& operator=(const XmlWriter&) = delete;

    XmlWriter& open(const std::string& name);
    XmlWriter& attr(const std::string& name, const std::string& value);
    // A whole <name>text</name>, text escaped.
    XmlWriter& element(const std::string& name, const std::string& text);
    XmlWriter& close();
    // Closes whatever is open; the document with the XML declaration, UTF-8.
    std::string finish();

private:
    xmlBufferPtr buffer_;
    xmlTextWriterPtr writer_;
};

}  // namespace pmb
