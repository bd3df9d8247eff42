#include "ordered_console.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "line_wrap.h"
#include "net/thread_name.h"
#include "net/wire/text_escape.h"

namespace chat::client {

namespace {

constexpr std::string_view kEraseLine = "\r\x1b[K";  // column 0, then clear to end of line

constexpr unsigned char kCtrlD = 0x04;
constexpr unsigned char kBackspace = 0x08;
constexpr unsigned char kCtrlU = 0x15;
constexpr unsigned char kEscape = 0x1b;
constexpr unsigned char kDelete = 0x7f;

bool is_continuation(unsigned char byte) {
  return (byte & 0xc0) == 0x80;
}

// What the console shows of any text: escaped, emoji sequences left whole.
std::string shown(std::string_view text) {
  return wire::escape_text(text, {.keep_emoji_joiners = true});
}

}  // namespace

// ---- LineEditor ----

std::optional<std::string> LineEditor::feed(char byte) {
  const auto b = static_cast<unsigned char>(byte);
  if (eof_ || skip_escape(b)) {
    return std::nullopt;
  }
  const bool after_cr = std::exchange(after_cr_, false);
  switch (b) {
    case '\r':
      after_cr_ = true;
      return take_line();
    case '\n':
      // The LF of a CR LF pair already ended its line.
      return after_cr ? std::nullopt : take_line();
    case kBackspace:
    case kDelete:
      erase_last_code_point();
      return std::nullopt;
    case kCtrlU:
      buffer_.clear();
      return std::nullopt;
    case kCtrlD:
      eof_ = buffer_.empty();
      return std::nullopt;
    case kEscape:
      escape_ = Escape::started;
      return std::nullopt;
    default:
      break;
  }
  if (b >= 0x20) {  // other controls (Tab, Ctrl+L, ...) have no editing meaning here: dropped
    buffer_ += byte;
  }
  return std::nullopt;
}

// Consumes the bytes of an escape sequence so that, for example, the Up arrow (ESC [ A) inserts
// nothing. A control byte inside a sequence ends it and is processed normally, so a broken
// sequence cannot swallow Enter.
bool LineEditor::skip_escape(unsigned char byte) {
  if (escape_ == Escape::none) {
    return false;
  }
  if (byte < 0x20) {
    escape_ = Escape::none;
    return false;
  }
  switch (escape_) {
    case Escape::started:  // ESC [ (CSI), ESC O (SS3), or ESC + key (Alt+key, dropped whole)
      escape_ = byte == '[' ? Escape::csi : byte == 'O' ? Escape::ss3 : Escape::none;
      break;
    case Escape::csi:  // parameter and intermediate bytes until a final byte 0x40..0x7e
      escape_ = byte >= 0x40 && byte <= 0x7e ? Escape::none : Escape::csi;
      break;
    case Escape::ss3:
    case Escape::none:
      escape_ = Escape::none;
      break;
  }
  return true;
}

void LineEditor::set_buffer(std::string_view text) {
  buffer_.clear();
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) != kDelete) {
      buffer_ += c;
    }
  }
}

std::optional<std::string> LineEditor::take_line() {
  return std::exchange(buffer_, {});
}

void LineEditor::erase_last_code_point() {
  while (!buffer_.empty() && is_continuation(static_cast<unsigned char>(buffer_.back()))) {
    buffer_.pop_back();
  }
  if (!buffer_.empty()) {
    buffer_.pop_back();
  }
}

// ---- OrderedConsole: output ----

OrderedConsole::Options OrderedConsole::for_stdio(std::string prompt) {
  Options options;
  options.interactive = terminal::stdin_is_terminal() && terminal::stdout_is_terminal();
  options.raw_mode = options.interactive;
  options.prompt = std::move(prompt);
  if (terminal::stdout_is_terminal()) {
    options.columns = terminal::stdout_columns;
  }
  return options;
}

OrderedConsole::OrderedConsole(Options options)
    : interactive_(options.interactive),
      write_(options.write ? std::move(options.write) : terminal::write_stdout),
      read_(options.read ? std::move(options.read) : terminal::read_stdin),
      columns_(std::move(options.columns)),
      prompt_(shown(options.prompt)) {
  if (options.raw_mode) {
    raw_mode_.emplace();
  }
  if (interactive_) {
    write_(prompt_);  // no lock: no other thread can see this console yet
  }
  printer_ = net::start_named_thread("client-printer", [this] { run_printer(); });
}

OrderedConsole::~OrderedConsole() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
    work_ready_.notify_one();
  }
  printer_.join();
  if (interactive_) {
    // Leave a clean line for whatever the terminal shows next (usually the shell prompt).
    std::lock_guard lock(screen_mutex_);
    write_(kEraseLine);
  }
}

void OrderedConsole::print(std::string line) {
  std::string safe = shown(line);
  std::lock_guard lock(queue_mutex_);
  if (stopping_) {
    return;
  }
  queue_.push_back(std::move(safe));
  ++queued_;
  // Notified under the lock so a destructor that runs right after cannot free the condvar
  // while this call still uses it.
  work_ready_.notify_one();
}

void OrderedConsole::flush() {
  std::unique_lock lock(queue_mutex_);
  const std::uint64_t target = queued_;
  written_cv_.wait(lock, [&] { return written_ >= target; });
}

void OrderedConsole::set_prompt(std::string prompt) {
  std::string safe = shown(prompt);
  std::lock_guard lock(screen_mutex_);
  prompt_ = std::move(safe);
  if (interactive_) {
    write_(std::string(kEraseLine) + prompt_ + input_);
  }
}

void OrderedConsole::run_printer() {
  std::vector<std::string> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      work_ready_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        return;  // stopping, and everything queued is written
      }
      batch.swap(queue_);  // take all waiting lines: one terminal write however many arrived
    }
    write_lines(batch);
    std::lock_guard lock(queue_mutex_);
    written_ += batch.size();
    written_cv_.notify_all();
    batch.clear();
  }
}

void OrderedConsole::write_lines(const std::vector<std::string>& lines) {
  const std::size_t columns = columns_ ? columns_() : 0;
  std::string out(interactive_ ? kEraseLine : "");
  for (const std::string& line : lines) {
    for (const std::string& row : wrap_line(line, columns)) {
      out += row;
      out += '\n';
    }
  }
  std::lock_guard lock(screen_mutex_);
  if (interactive_) {
    out += prompt_;
    out += input_;
  }
  write_(out);
}

// ---- OrderedConsole: input ----

std::optional<std::string> OrderedConsole::read_line() {
  return read_input_line(false);
}

std::optional<std::string> OrderedConsole::read_secret_line() {
  return read_input_line(true);
}

std::optional<std::string> OrderedConsole::read_input_line(bool secret) {
  [[maybe_unused]] const bool overlapping = reading_.exchange(true);
  assert(!overlapping && "read_line() must be called from one input thread at a time");
  std::optional<std::string> line =
      interactive_ ? read_line_interactive(secret) : read_line_plain();
  reading_ = false;
  return line;
}

void OrderedConsole::give_back(std::string text) {
  if (interactive_) {
    editor_.set_buffer(text);
  }
}

namespace {
// One '*' per code point of `text` (UTF-8 continuation bytes draw nothing).
std::string masked(const std::string& text) {
  const auto code_points = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  return std::string(static_cast<std::size_t>(code_points), '*');
}
}  // namespace

std::optional<std::string> OrderedConsole::read_line_interactive(bool secret) {
  while (!editor_.eof()) {
    if (chunk_pos_ == chunk_size_) {
      // Echo per read chunk, not per byte: a paste is drawn in one write.
      show_input(secret ? masked(editor_.buffer()) : editor_.buffer());
      if (!refill()) {
        break;
      }
    }
    if (std::optional<std::string> line = editor_.feed(chunk_[chunk_pos_++])) {
      show_input("");  // the caller decides how the sent line appears
      return line;
    }
  }
  show_input("");
  return std::nullopt;
}

std::optional<std::string> OrderedConsole::read_line_plain() {
  std::string line;
  for (;;) {
    if (chunk_pos_ == chunk_size_ && !refill()) {
      break;
    }
    const auto begin = chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_pos_);
    const auto end = chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_size_);
    const auto newline = std::find(begin, end, '\n');
    line.append(begin, newline);
    chunk_pos_ = static_cast<std::size_t>(newline - chunk_.begin());
    if (newline != end) {
      ++chunk_pos_;
      break;
    }
  }
  if (line.empty() && input_ended_) {
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

// Reads the next chunk of input; false (from then on) at end of input or on an error.
bool OrderedConsole::refill() {
  if (input_ended_) {
    return false;
  }
  const long got = read_(chunk_.data(), chunk_.size());
  if (got <= 0) {
    input_ended_ = true;
    return false;
  }
  chunk_pos_ = 0;
  chunk_size_ = std::min(static_cast<std::size_t>(got), chunk_.size());
  return true;
}

// Makes the bottom line show prompt + `input`, writing as little as possible.
void OrderedConsole::show_input(const std::string& input) {
  std::lock_guard lock(screen_mutex_);
  if (input == input_) {
    return;
  }
  if (input.starts_with(input_)) {
    // Plain typing appends only, which stays correct once the line wraps past the screen edge.
    write_(std::string_view(input).substr(input_.size()));
  } else {
    write_(std::string(kEraseLine) + prompt_ + input);
  }
  input_ = input;
}

}  // namespace chat::client
