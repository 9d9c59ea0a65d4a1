// The JSON lines sockio-cli writes, and the `{"_binary":"<base64>"}` spelling of binary
// values in both directions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sockio::cli {

using json = nlohmann::json;
/// An output line: its keys stay in the documented order (`type` first).
using line = nlohmann::ordered_json;

/// Binary values anywhere in `value` become `{"_binary":"<base64>"}` objects, so that
/// a line is plain JSON.
line binary_to_text(const json& value);

/// The reverse, in place: every `{"_binary":"<base64>"}` object in `value` becomes a
/// binary value. An error message when one does not hold valid base64.
std::optional<std::string> text_to_binary(json& value);

/// Factories of the output lines, one per `type`; arguments are taken as received
/// (binary values are converted here).
namespace lines {

line connect(const std::string& nsp, const std::string& id, const std::string& transport);
line event(const std::string& nsp, const std::string& event, const json& args);
line ack(const std::string& event, const json& args);
line connect_error(const std::string& message, const json& data);
line disconnect(const std::string& reason);
line reconnect(std::uint64_t attempt);
line error(const std::string& message);

/// One compact line without the newline; bytes that are not UTF-8 (from a server's
/// strings) are replaced rather than ending the program.
std::string dump(const line& l);

}  // namespace lines

}  // namespace sockio::cli
