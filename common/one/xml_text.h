// xml_text.h: reading OpenNebula's driver documents (DS_DRIVER_ACTION_DATA,
// MARKET_DRIVER_ACTION_DATA) with tinyxml2: an element's text and a
// template's children. Missing elements and empty ones read as "".
#pragma once

#include <map>
#include <string>

namespace tinyxml2 {
class XMLElement;
}

namespace oneipfs {

// The text of `parent`'s first child element `name`; "" when `parent` is
// null, the child is missing or has no text.
std::string XmlText(const tinyxml2::XMLElement* parent, const char* name);

// Every child element of `parent` (a TEMPLATE) as name -> text (the last one
// wins for a repeated name); empty when `parent` is null.
std::map<std::string, std::string> XmlChildren(const tinyxml2::XMLElement* parent);

}  // namespace oneipfs
