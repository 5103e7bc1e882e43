// config.h: driver settings and where they come from.
//
// Every key has a built-in default (the table in config.cc, documented in
// README.md and install/ipfs.conf). Layers, lowest to highest precedence:
//   1. built-in defaults
//   2. ipfs.conf: $ONE_IPFS_CONF if set, else <remotes>/etc/datastore/ipfs/ipfs.conf
//      found from the executable's own location (<remotes>/{datastore,tm}/ipfs/<action>)
//   3. the datastore template (/DS_DRIVER_ACTION_DATA/DATASTORE/TEMPLATE/<KEY>;
//      transfer actions read it with `onedatastore show -x`), for the keys a
//      datastore may set (KeyScope::kDatastore)
//   4. the environment (same key names)
// Who may set what: any user with MANAGE on a datastore can write its
// template, and OpenNebula has no DS_RESTRICTED_ATTR (no release reads one),
// so the template is hostile input. Keys that choose a command, a binary, a
// file or directory, a libvirt URI, a secret or a safety switch
// (KeyScope::kOperator: IPFS_SSH*, IPFS_REMOTE_DIR, IPFS_API_AUTH, ...) are
// read from ipfs.conf and the environment only; a template that sets them
// gets one warning naming them and is otherwise obeyed. A template's
// IPFS_API is used only when it is the operator's own (OperatorValue) or is
// listed in IPFS_API_ALLOW; otherwise it is ignored with a warning.
// IPFS_API_AUTH goes only to the operator's IPFS_API (ApiIsOperators).
// ipfs.conf syntax: KEY = VALUE or KEY = "VALUE" per line, '#' comments.
// Unknown keys in ipfs.conf produce a warning, not a failure; a line that is
// not KEY=VALUE is an error naming the file and line. An empty value in a
// higher layer does not override a lower one (oned sends empty CDATA).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

class Config {
 public:
  using Getenv = std::function<const char*(const char*)>;

  struct Sources {
    std::string conf_path;                         // "" = no file
    std::map<std::string, std::string> ds_template;  // DATASTORE/TEMPLATE children
    Getenv getenv;                                  // nullptr = no environment
    // What the template layer is, in origins and warnings (the marketplace
    // actions pass MARKETPLACE/TEMPLATE as "marketplace template"); it must
    // end with " template".
    std::string template_name = "datastore template";
  };

  // Defaults only.
  Config();
  static Result<Config> Load(const Sources& sources);

  enum class KeyScope { kDatastore, kOperator };
  struct KeySpec {
    const char* key;
    const char* default_value;
    KeyScope scope;
  };

  const std::string& Get(std::string_view key) const;  // "" for unknown keys
  // The value from the operator's layers only (defaults, ipfs.conf, environment).
  const std::string& OperatorValue(std::string_view key) const;
  // True when `key` (an API address setting) names the same API as the
  // operator's value of it: only then does IPFS_API_AUTH go with it.
  bool ApiIsOperators(std::string_view key) const;
  bool GetBool(std::string_view key) const;            // yes/true/1/on
  long GetInt(std::string_view key, long fallback) const;
  std::chrono::seconds GetSeconds(std::string_view key) const;
  // "default", "ipfs.conf", "datastore template" (Sources::template_name) or "environment".
  const std::string& Origin(std::string_view key) const;
  void Set(std::string_view key, std::string value, std::string origin);

  // Warnings collected while loading (unknown keys...), for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

  static const std::vector<KeySpec>& Keys();
  static const KeySpec* FindKey(std::string_view key);
  static bool IsKnownKey(std::string_view key);
  static bool IsOperatorOnly(std::string_view key);

 private:
  struct Entry {
    std::string value;
    std::string origin;
  };
  std::map<std::string, Entry, std::less<>> values_;
  std::map<std::string, Entry, std::less<>> operator_values_;
  std::vector<std::string> warnings_;
};

// <remotes> of the running executable: the directory two levels above it
// (.../remotes/datastore/ipfs/cp -> .../remotes). "" when unknown.
std::string RemotesDirOfSelf();
// Default ipfs.conf path: $ONE_IPFS_CONF, else <remotes>/etc/datastore/ipfs/ipfs.conf
// with `remotes` (default: RemotesDirOfSelf(); "" when that is unknown).
std::string DefaultConfPath(const Config::Getenv& getenv, const std::string& remotes = RemotesDirOfSelf());

// An API address for comparison: multiaddrs /ip4|ip6|dns*/H/tcp/P become
// http://H:P, scheme and host lower case, trailing slashes dropped.
std::string NormalizeApiAddress(std::string_view addr);

// Parses "KEY=VALUE" text (ipfs.conf syntax). `name` is used in messages.
Result<std::vector<std::pair<std::string, std::string>>> ParseConfText(std::string_view text,
                                                                      std::string_view name);

}  // namespace oneipfs
