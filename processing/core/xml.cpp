#include "core/xml.h"

#include <libxml/parser.h>

#include "core/error.h"
#include "core/text.h"

namespace pmb {
namespace {

const xmlChar* x(const std::string& s) {
    return reinterpret_cast<const xmlChar*>(s.c_str());
}

// Text and attribute values come from argv, the panel's database and the upstream: any of
// them may hold bytes that would make the document ill-formed.
std::string safe(const std::string& s) {
    return xml_safe_text(s);
}

std::string take(xmlChar* s) {
    if (!s)
        return {};
    std::string out(reinterpret_cast<const char*>(s));
    xmlFree(s);
    return out;
}

// libxml2's writer fails only when memory runs out.
void written(int result) {
    if (result < 0)
        throw Error(errtype::kInternal, "xml", "", "cannot write an XML document");
}

}  // namespace

XmlNode XmlNode::add(const std::string& name, const std::string& text) {
    xmlNodePtr child = xmlNewChild(node_, nullptr, x(name), nullptr);
    if (!text.empty())
        xmlNodeAddContent(child, x(safe(text)));  // escapes <&> itself
    return XmlNode(child);
}

XmlNode& XmlNode::set_attr(const std::string& name, const std::string& value) {
    xmlSetProp(node_, x(name), x(safe(value)));
    return *this;
}

std::string XmlNode::name() const {
    return reinterpret_cast<const char*>(node_->name);
}

std::string XmlNode::text() const {
    return take(xmlNodeGetContent(node_));
}

std::optional<std::string> XmlNode::attr(const std::string& name) const {
    xmlChar* value = xmlGetProp(node_, x(name));
    if (!value)
        return std::nullopt;
    return take(value);
}

std::optional<XmlNode> XmlNode::child(const std::string& name) const {
    for (xmlNodePtr c = node_->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(c->name))
            return XmlNode(c);
    }
    return std::nullopt;
}

std::string XmlNode::child_text(const std::string& name) const {
    auto c = child(name);
    return c ? c->text() : std::string();
}

std::vector<XmlNode> XmlNode::children(const std::string& name) const {
    std::vector<XmlNode> out;
    for (xmlNodePtr c = node_->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (name.empty() || name == reinterpret_cast<const char*>(c->name))
            out.emplace_back(c);
    }
    return out;
}

XmlDoc::XmlDoc(const std::string& root_name) : doc_(xmlNewDoc(x("1.0"))) {
    xmlDocSetRootElement(doc_.get(), xmlNewNode(nullptr, x(root_name)));
}

XmlDoc XmlDoc::parse(const std::string& text, const std::string& error_type) {
    // NONET: never fetch external entities; the input comes from outside.
    xmlDocPtr doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        throw Error(error_type, "xml", "", "the document is not well-formed XML");
    }
    return XmlDoc(doc);
}

std::string XmlDoc::to_string() const {
    xmlChar* mem = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_.get(), &mem, &size, "UTF-8", 0);
    std::string out(reinterpret_cast<const char*>(mem), static_cast<size_t>(size));
    xmlFree(mem);
    return out;
}

XmlWriter::XmlWriter(const std::string& root_name)
    : buffer_(xmlBufferCreate()), writer_(buffer_ ? xmlNewTextWriterMemory(buffer_, 0) : nullptr) {
    if (!writer_) {
        if (buffer_)
            xmlBufferFree(buffer_);
        throw Error(errtype::kInternal, "xml", "", "cannot start an XML document");
    }
    written(xmlTextWriterStartDocument(writer_, nullptr, "UTF-8", nullptr));
    open(root_name);
}

XmlWriter::~XmlWriter() {
    xmlFreeTextWriter(writer_);
    xmlBufferFree(buffer_);
}

XmlWriter& XmlWriter::open(const std::string& name) {
    written(xmlTextWriterStartElement(writer_, x(name)));
    return *this;
}

XmlWriter& XmlWriter::attr(const std::string& name, const std::string& value) {
    written(xmlTextWriterWriteAttribute(writer_, x(name), x(safe(value))));
    return *this;
}

XmlWriter& XmlWriter::element(const std::string& name, const std::string& text) {
    written(xmlTextWriterWriteElement(writer_, x(name), x(safe(text))));
    return *this;
}

XmlWriter& XmlWriter::close() {
    written(xmlTextWriterEndElement(writer_));
    return *this;
}

std::string XmlWriter::finish() {
    written(xmlTextWriterEndDocument(writer_));
    written(xmlTextWriterFlush(writer_));
    return reinterpret_cast<const char*>(xmlBufferContent(buffer_));
}

}  // namespace pmb
