// xml_text.cc: see xml_text.h.
#include "common/one/xml_text.h"

#include <tinyxml2.h>

namespace oneipfs {

std::string XmlText(const tinyxml2::XMLElement* parent, const char* name) {
  if (!parent) return "";
  const tinyxml2::XMLElement* e = parent->FirstChildElement(name);
  if (!e || !e->GetText()) return "";
  return e->GetText();
}

std::map<std::string, std::string> XmlChildren(const tinyxml2::XMLElement* parent) {
  std::map<std::string, std::string> out;
  if (!parent) return out;
  for (auto* e = parent->FirstChildElement(); e; e = e->NextSiblingElement())
    out[e->Name()] = e->GetText() ? e->GetText() : "";
  return out;
}

}  // namespace oneipfs
