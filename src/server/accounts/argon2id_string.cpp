#include "argon2id_string.h"

#include <sodium.h>

#include <charconv>

namespace chat::server {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;

std::string to_base64(const std::vector<std::uint8_t>& bytes) {
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kBase64);
  text.resize(text.size() - 1);  // the terminating NUL sodium_bin2base64 writes
  return text;
}

std::optional<std::vector<std::uint8_t>> from_base64(std::string_view text) {
  std::vector<std::uint8_t> bytes(text.size() * 3 / 4 + 1);
  std::size_t length = 0;
  const char* end = nullptr;
  if (text.empty() ||
      sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                        &end, kBase64) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

// Consumes `literal` from the front of `rest`.
bool take(std::string_view& rest, std::string_view literal) {
  if (!rest.starts_with(literal)) {
    return false;
  }
  rest.remove_prefix(literal.size());
  return true;
}

// Consumes a decimal number from the front of `rest`: digits, no sign, no leading zero (as
// libsodium reads it).
bool take_number(std::string_view& rest, std::uint32_t& value) {
  if (rest.empty() || rest.front() < '0' || rest.front() > '9' ||
      (rest.front() == '0' && rest.size() > 1 && rest[1] >= '0' && rest[1] <= '9')) {
    return false;
  }
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (error != std::errc{}) {
    return false;
  }
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  return true;
}

}  // namespace

std::string encode_argon2id_string(const Argon2idString& h) {
  return "$argon2id$v=19$m=" + std::to_string(h.memory_kib) + ",t=" + std::to_string(h.passes) +
         ",p=" + std::to_string(h.lanes) + "$" + to_base64(h.salt) + "$" + to_base64(h.hash);
}

std::optional<Argon2idString> parse_argon2id_string(std::string_view text) {
  Argon2idString h;
  std::string_view rest = text;
  if (!take(rest, "$argon2id$v=19$m=") || !take_number(rest, h.memory_kib) || !take(rest, ",t=") ||
      !take_number(rest, h.passes) || !take(rest, ",p=") || !take_number(rest, h.lanes) ||
      !take(rest, "$")) {
    return std::nullopt;
  }
  const std::size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) {
    return std::nullopt;
  }
  auto salt = from_base64(rest.substr(0, dollar));
  auto hash = from_base64(rest.substr(dollar + 1));
  if (!salt || !hash) {
    return std::nullopt;
  }
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

}  // namespace chat::server
