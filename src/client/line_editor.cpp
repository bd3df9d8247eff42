#include "line_editor.h"

#include <algorithm>
#include <utility>

#include "graphemes.h"
#include "net/wire/utf8.h"

namespace chat::client {
namespace {

constexpr unsigned char kCtrlA = 0x01;
constexpr unsigned char kCtrlB = 0x02;
constexpr unsigned char kCtrlD = 0x04;
constexpr unsigned char kCtrlE = 0x05;
constexpr unsigned char kCtrlF = 0x06;
constexpr unsigned char kBackspace = 0x08;
constexpr unsigned char kCtrlK = 0x0b;
constexpr unsigned char kCtrlN = 0x0e;
constexpr unsigned char kCtrlP = 0x10;
constexpr unsigned char kCtrlU = 0x15;
constexpr unsigned char kCtrlW = 0x17;
constexpr unsigned char kEscape = 0x1b;
constexpr unsigned char kDelete = 0x7f;
constexpr std::size_t kMaxCsiParams = 16;  // a longer sequence is not a key we know

}  // namespace

std::optional<std::string> LineEditor::feed(char byte) {
  const auto b = static_cast<unsigned char>(byte);
  if (eof_ || escape_byte(b)) {
    return std::nullopt;
  }
  const bool after_cr = std::exchange(after_cr_, false);
  if (b == '\r') {
    after_cr_ = true;
    return take_line();
  }
  if (b == '\n') {
    // The LF of a CR LF pair already ended its line.
    return after_cr ? std::nullopt : take_line();
  }
  if (control(b)) {
    return std::nullopt;
  }
  if (b >= 0x20) {  // other controls (Tab, Ctrl+L, ...) have no editing meaning here: dropped
    insert(byte);
  }
  return std::nullopt;
}

// The control keys; true when `byte` was one of them.
bool LineEditor::control(unsigned char byte) {
  switch (byte) {
    case kBackspace:
    case kDelete:
      erase_before();
      return true;
    case kCtrlD:
      if (buffer_.empty()) {
        eof_ = true;
      } else {
        erase_at();
      }
      return true;
    case kCtrlA:
      cursor_ = 0;
      return true;
    case kCtrlE:
      cursor_ = buffer_.size();
      return true;
    case kCtrlB:
      move_left();
      return true;
    case kCtrlF:
      move_right();
      return true;
    case kCtrlK:
      buffer_.erase(cursor_);
      return true;
    case kCtrlU:
      buffer_.erase(0, cursor_);
      cursor_ = 0;
      return true;
    case kCtrlW:
      erase_word_before();
      return true;
    case kCtrlP:
      history_step(-1);
      return true;
    case kCtrlN:
      history_step(+1);
      return true;
    case kEscape:
      escape_ = Escape::started;
      return true;
    default:
      return false;
  }
}

// Consumes the bytes of an escape sequence, acting on the keys it knows. A control byte inside a
// sequence ends it and is processed normally, so a broken sequence cannot swallow Enter.
bool LineEditor::escape_byte(unsigned char byte) {
  if (escape_ == Escape::none) {
    return false;
  }
  if (byte < 0x20) {
    escape_ = Escape::none;
    return false;
  }
  switch (escape_) {
    case Escape::started:  // ESC [ (CSI), ESC O (SS3), or ESC + key (Alt+key)
      if (byte == '[') {
        escape_ = Escape::csi;
        csi_params_.clear();
        return true;
      }
      escape_ = byte == 'O' ? Escape::ss3 : Escape::none;
      if (byte >= '0' && byte <= '9') {
        alt_digit_ = byte - '0';
      }
      return true;
    case Escape::csi:  // parameter and intermediate bytes until a final byte 0x40..0x7e
      if (byte >= 0x40 && byte <= 0x7e) {
        escape_ = Escape::none;
        csi_key(static_cast<char>(byte));
      } else if (csi_params_.size() < kMaxCsiParams) {
        csi_params_ += static_cast<char>(byte);
      }
      return true;
    case Escape::ss3:  // ESC O A: the arrows and Home/End in "application" mode
      escape_ = Escape::none;
      csi_params_.clear();
      csi_key(static_cast<char>(byte));
      return true;
    case Escape::none:
      break;
  }
  return true;
}

void LineEditor::csi_key(char final_byte) {
  switch (final_byte) {
    case 'A':
      history_step(-1);
      return;
    case 'B':
      history_step(+1);
      return;
    case 'C':
      move_right();
      return;
    case 'D':
      move_left();
      return;
    case 'H':
      cursor_ = 0;
      return;
    case 'F':
      cursor_ = buffer_.size();
      return;
    case '~':  // ESC [ n ~: 1 and 7 Home, 4 and 8 End, 3 Delete
      if (csi_params_ == "1" || csi_params_ == "7") {
        cursor_ = 0;
      } else if (csi_params_ == "4" || csi_params_ == "8") {
        cursor_ = buffer_.size();
      } else if (csi_params_ == "3") {
        erase_at();
      }
      return;
    default:
      return;  // a key with no editing meaning here (F1...), dropped whole
  }
}

void LineEditor::set_buffer(std::string_view text) {
  buffer_.clear();
  cursor_ = 0;
  dropping_ = false;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != kDelete) {
      insert(c);
    }
  }
  cursor_ = buffer_.size();
}

void LineEditor::add_history(std::string line) {
  if (line.empty() || (!history_.empty() && history_.back() == line)) {
    history_index_ = history_.size();
    return;
  }
  history_.push_back(std::move(line));
  if (history_.size() > kHistoryLines) {
    history_.erase(history_.begin());
  }
  history_index_ = history_.size();
}

std::optional<int> LineEditor::take_alt_digit() {
  return std::exchange(alt_digit_, std::nullopt);
}

void LineEditor::input_paused() {
  if (escape_ == Escape::started) {
    escape_ = Escape::none;
  }
}

std::optional<std::string> LineEditor::take_line() {
  cursor_ = 0;
  history_index_ = history_.size();
  draft_.clear();
  return std::exchange(buffer_, {});
}

void LineEditor::set_max_bytes(std::size_t bytes) {
  max_bytes_ = std::max<std::size_t>(bytes, 4);
}

// A character goes in whole or not at all: its lead byte is taken only when all its bytes fit,
// and the continuation bytes of a dropped one are dropped with it.
void LineEditor::insert(char byte) {
  const auto b = static_cast<unsigned char>(byte);
  const bool continuation = (b & 0xC0) == 0x80;
  if (!continuation) {
    const std::size_t length = wire::utf8_sequence_length(b);
    dropping_ = buffer_.size() + length > max_bytes_;
  }
  if (dropping_ || (continuation && buffer_.size() >= max_bytes_)) {
    dropped_ = true;
    return;
  }
  buffer_.insert(cursor_, 1, byte);
  ++cursor_;
}

// A cursor between the bytes of one character (typing it is under way) or inside a cluster
// (a combining mark just typed) moves to a cluster boundary first.
void LineEditor::move_left() {
  cursor_ = previous_grapheme(buffer_, cursor_);
}

void LineEditor::move_right() {
  const std::size_t end = next_grapheme(buffer_, previous_grapheme(buffer_, cursor_));
  cursor_ = end > cursor_ ? end : next_grapheme(buffer_, cursor_);
}

void LineEditor::erase_before() {
  const std::size_t start = previous_grapheme(buffer_, cursor_);
  buffer_.erase(start, cursor_ - start);
  cursor_ = start;
}

void LineEditor::erase_at() {
  if (cursor_ < buffer_.size()) {
    buffer_.erase(cursor_, next_grapheme(buffer_, cursor_) - cursor_);
  }
}

void LineEditor::erase_word_before() {
  std::size_t start = cursor_;
  while (start > 0 && buffer_[start - 1] == ' ') {
    --start;
  }
  while (start > 0 && buffer_[start - 1] != ' ') {
    --start;
  }
  buffer_.erase(start, cursor_ - start);
  cursor_ = start;
}

void LineEditor::history_step(int direction) {
  if (!history_enabled_) {
    return;
  }
  if (direction < 0 && history_index_ > 0) {
    if (history_index_ == history_.size()) {
      draft_ = buffer_;
    }
    buffer_ = history_[--history_index_];
  } else if (direction > 0 && history_index_ < history_.size()) {
    ++history_index_;
    buffer_ = history_index_ == history_.size() ? draft_ : history_[history_index_];
  } else {
    return;
  }
  cursor_ = buffer_.size();
}

}  // namespace chat::client
