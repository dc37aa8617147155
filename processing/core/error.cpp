#include "core/error.h"

#include "core/scrub.h"
#include "core/text.h"
#include "core/xml.h"

namespace pmb {
namespace {

constexpr size_t kEchoedChars = 200;    // an object or value, as the panel shows it
constexpr size_t kMessageChars = 1000;  // the message, which may quote a value

}  // namespace

Error::Error(std::string type, std::string object, std::string value, const std::string& message)
    : std::runtime_error(message),
      type_(std::move(type)),
      object_(std::move(object)),
      value_(std::move(value)) {}

std::string Error::to_xml() const {
    // Every field is scrubbed: an upstream echo or a value may carry a secret.
    // Echoed values are cut short: a 100 kB argument must not make a 100 kB answer.
    const Scrubber& scrub = Scrubber::global();
    auto echo = [&](const std::string& text) { return shorten(scrub.clean(text), kEchoedChars); };
    XmlDoc doc("doc");
    XmlNode error = doc.root().add("error");
    error.set_attr("type", type_);
    error.set_attr("object", echo(object_));
    error.set_attr("value", echo(value_));
    XmlNode object_param = error.add("param", echo(object_));
    object_param.set_attr("name", "object");
    object_param.set_attr("type", "msg");
    object_param.set_attr("msg", echo(object_));
    error.add("param", echo(value_)).set_attr("name", "value");
    error.add("msg", shorten(scrub.clean(what()), kMessageChars));
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
