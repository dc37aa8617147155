#include "core/error.h"

#include "core/scrub.h"
#include "core/xml.h"

namespace pmb {

Error::Error(std::string type, std::string object, std::string value, const std::string& message)
    : std::runtime_error(message),
      type_(std::move(type)),
      object_(std::move(object)),
      value_(std::move(value)) {}

std::string Error::to_xml() const {
    // Every field is scrubbed: an upstream echo or a value may carry a secret.
    const Scrubber& scrub = Scrubber::global();
    XmlDoc doc("doc");
    XmlNode error = doc.root().add("error");
    error.set_attr("type", type_);
    error.set_attr("object", scrub.clean(object_));
    error.set_attr("value", scrub.clean(value_));
    XmlNode object_param = error.add("param", scrub.clean(object_));
    object_param.set_attr("name", "object");
    object_param.set_attr("type", "msg");
    object_param.set_attr("msg", scrub.clean(object_));
    error.add("param", scrub.clean(value_)).set_attr("name", "value");
    error.add("msg", scrub.clean(what()));
    return doc.to_string();
}

namespace {

std::string cut_text(const std::string& text, size_t limit) {
    if (text.size() <= limit)
        return text;
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut) + "… shortened, " + std::to_string(text.size()) + " bytes in all";
}

}  // namespace

Error Error::shortened(size_t limit) const {
    return Error(type_, object_, cut_text(value_, limit), cut_text(message(), limit));
}

}  // namespace pmb
