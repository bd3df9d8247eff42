#include "ordered_console.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include <fmt/format.h>

#include "line_style.h"
#include "line_wrap.h"
#include "net/thread_name.h"
#include "net/wire/text_escape.h"
#include "net/wire/utf8.h"

namespace chat::client {

namespace {

// What the console shows of any text: escaped, emoji sequences left whole.
std::string shown(std::string_view text) {
  return wire::escape_text(text, {.keep_emoji_joiners = true});
}

// How many bytes of `text` hold whole characters: its length, less a UTF-8 character cut short
// at its end (a byte that is not UTF-8 counts as whole: the console escapes it).
std::size_t whole_characters(std::string_view text) {
  std::size_t lead = text.size();
  while (lead > 0 && text.size() - lead < 4 &&
         (static_cast<unsigned char>(text[lead - 1]) & 0xC0) == 0x80) {
    --lead;
  }
  if (lead == 0) {
    return text.size();
  }
  const auto b = static_cast<unsigned char>(text[lead - 1]);
  const std::size_t length = wire::utf8_sequence_length(b);
  return text.size() - (lead - 1) < length ? lead - 1 : text.size();
}

// How many lines `size` bytes at `bytes` hold, read after a line that `ended_by` ended: each
// CR, LF or CR LF ends one, and a last one without an end counts too. A leading LF after a CR is
// the rest of that CR LF.
std::size_t lines_after(char ended_by, const char* bytes, std::size_t size) {
  std::size_t lines = 0;
  bool in_line = false;
  for (std::size_t i = ended_by == '\r' && size > 0 && bytes[0] == '\n' ? 1 : 0; i < size; ++i) {
    const char c = bytes[i];
    if (c == '\r' || c == '\n') {
      lines += 1;
      in_line = false;
      if (c == '\r' && i + 1 < size && bytes[i + 1] == '\n') {
        ++i;  // CR LF ends one line
      }
    } else {
      in_line = true;
    }
  }
  return lines + (in_line ? 1 : 0);
}

}  // namespace

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
      style_(std::move(options.style)),
      keep_in_history_(std::move(options.keep_in_history)),
      on_alt_digit_(std::move(options.on_alt_digit)),
      escape_key_wait_(options.escape_key_wait),
      prompt_(shown(options.prompt)) {
  if (options.raw_mode) {
    raw_mode_.emplace();
  }
  if (interactive_) {
    // No lock: no other thread can see this console yet.
    write_(draw_locked(columns_ ? columns_() : 0));
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
    write_(erase_input(shown_, columns_ ? columns_() : 0));
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
  if (safe == prompt_) {
    return;  // every message sets it: redrawing an unchanged prompt only flickers
  }
  prompt_ = std::move(safe);
  if (interactive_ && !question_) {  // a question stays until answered
    const std::size_t columns = columns_ ? columns_() : 0;
    std::string out = erase_input(shown_, columns);  // before draw_locked() replaces shown_
    write_(out + draw_locked(columns));
  }
}

// Under screen_mutex_ (or before the printer starts): lays out prompt and input for `columns`,
// remembers it as what the screen shows, and returns the bytes that draw it.
std::string OrderedConsole::draw_locked(std::size_t columns) {
  shown_ = layout_input(prompt_shown_locked(), before_cursor_, after_cursor_, columns);
  return draw_input(shown_);
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
  std::string out;
  for (const std::string& line : lines) {
    const std::string style = style_ ? style_(line) : std::string();
    for (const std::string& row : wrap_line(line, columns)) {
      out += style;
      out += row;
      out += style.empty() ? "" : kStyleReset;
      out += '\n';
    }
  }
  std::lock_guard lock(screen_mutex_);
  if (interactive_) {
    // However many rows the input takes: erased from its first row, drawn again below the lines.
    std::string erase = erase_input(shown_, columns);  // before draw_locked() replaces shown_
    out = erase + out + draw_locked(columns);
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

std::optional<std::string> OrderedConsole::ask(std::string question, bool secret) {
  set_question(shown(question));
  std::optional<std::string> answer = read_input_line(secret);
  set_question(std::nullopt);
  return answer;
}

// Shows `question` in place of the prompt (nullopt: the prompt again).
void OrderedConsole::set_question(std::optional<std::string> question) {
  std::lock_guard lock(screen_mutex_);
  question_ = std::move(question);
  if (interactive_) {
    const std::size_t columns = columns_ ? columns_() : 0;
    std::string out = erase_input(shown_, columns);  // before draw_locked() replaces shown_
    write_(out + draw_locked(columns));
  }
}

std::size_t OrderedConsole::give_back(std::string text) {
  if (!interactive_) {
    return 0;
  }
  editor_.set_buffer(text);
  // The rest of what was read with the refused line came with it (a paste): typed onto the
  // line being shortened, it would join it. It waits, in order, behind it.
  held_.insert(held_.end(), chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_pos_),
               chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_size_));
  chunk_pos_ = chunk_size_;
  // The LF of the CR LF that ended the refused line is no line of its own (the editor drops it).
  return lines_after(line_end_, held_.data(), held_.size());
}

std::size_t OrderedConsole::drop_held() {
  std::size_t lines = lines_after(line_end_, held_.data(), held_.size());
  if (chunk_pos_ < held_end_) {
    lines += lines_after(line_end_, chunk_.data() + chunk_pos_, held_end_ - chunk_pos_);
    chunk_pos_ = held_end_;
  }
  held_.clear();
  held_end_ = 0;
  return lines;
}

// Input thread, once a line was taken: what give_back() held is read next, before the rest.
void OrderedConsole::take_held() {
  if (held_.empty()) {
    return;
  }
  const std::size_t held = held_.size();
  held_.insert(held_.end(), chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_pos_),
               chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_size_));
  chunk_size_ = held_.size();
  chunk_pos_ = 0;
  held_end_ = held;
  held_.resize(std::max(held_.size(), kReadChunk));
  chunk_.swap(held_);
  held_.clear();
}

void OrderedConsole::set_input_limit(std::size_t bytes) {
  input_limit_ = bytes;
}

namespace {
// One '*' per code point of `text` (UTF-8 continuation bytes draw nothing).
std::string masked(std::string_view text) {
  const auto code_points = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  return std::string(static_cast<std::size_t>(code_points), '*');
}
}  // namespace

std::optional<std::string> OrderedConsole::read_line_interactive(bool secret) {
  editor_.set_history_enabled(!secret);
  editor_.set_max_bytes(input_limit_);
  while (!editor_.eof()) {
    if (chunk_pos_ == chunk_size_) {
      // A read that did not fill the buffer took all the terminal had: a key's sequence may still
      // be coming only after a full one.
      const bool all_taken = chunk_size_ < chunk_.size();
      // Echo per read chunk, not per byte: a paste is drawn in one write.
      show_editor(secret);
      say_if_full(editor_.take_dropped(), editor_.max_bytes());
      const auto waited_from = std::chrono::steady_clock::now();
      if (!refill()) {
        break;
      }
      if (all_taken && std::chrono::steady_clock::now() - waited_from >= escape_key_wait_) {
        editor_.input_paused();  // an ESC before this was the Escape key alone
      }
    }
    const char byte = chunk_[chunk_pos_++];
    std::optional<std::string> line = editor_.feed(byte);
    if (const auto digit = editor_.take_alt_digit(); digit && !secret && on_alt_digit_) {
      on_alt_digit_(*digit);
    }
    if (line) {
      line_end_ = byte;
      show_input("", "");  // the caller decides how the sent line appears
      say_if_full(editor_.take_dropped(), editor_.max_bytes());
      said_full_ = false;
      if (!secret && (!keep_in_history_ || keep_in_history_(*line))) {
        editor_.add_history(*line);
      }
      take_held();
      return line;
    }
  }
  show_input("", "");
  return std::nullopt;
}

// The editor's line as typed (as '*'s for a secret), the cursor where the editor has it.
void OrderedConsole::show_editor(bool secret) {
  const std::string& text = editor_.buffer();
  const std::string_view before = std::string_view(text).substr(0, editor_.cursor());
  const std::string_view after = std::string_view(text).substr(editor_.cursor());
  if (secret) {
    show_input(masked(before), masked(after));
  } else {
    show_input(shown(before), shown(after));
  }
}

// Once per line: bytes past the input limit were dropped.
void OrderedConsole::say_if_full(bool dropped, std::size_t limit) {
  if (dropped && !said_full_) {
    print(fmt::format("! the input line is full ({} bytes at most): the rest of it is dropped",
                      limit));
    said_full_ = true;
  }
}

std::optional<std::string> OrderedConsole::read_line_plain() {
  std::string line;
  const std::size_t limit = input_limit_;
  bool dropped = false;
  for (;;) {
    if (chunk_pos_ == chunk_size_ && !refill()) {
      break;
    }
    const auto begin = chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_pos_);
    const auto end = chunk_.begin() + static_cast<std::ptrdiff_t>(chunk_size_);
    const auto newline = std::find(begin, end, '\n');
    // Once something was dropped, the rest of the line is too (not the bytes that happen to fit
    // after a cut character).
    const auto room =
        dropped ? 0 : static_cast<std::ptrdiff_t>(limit - std::min(limit, line.size()));
    if (newline - begin > room) {
      line.append(begin, begin + room);
      line.resize(whole_characters(line));  // a character goes whole or not at all
      dropped = true;
    } else {
      line.append(begin, newline);
    }
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
  say_if_full(dropped, limit);
  said_full_ = false;
  return line;
}

// Reads the next chunk of input; false (from then on) at end of input or on an error.
bool OrderedConsole::refill() {
  if (input_ended_) {
    return false;
  }
  long got = read_(chunk_.data(), chunk_.size());
  while (got == terminal::kReadResized) {
    if (interactive_) {
      redraw_after_resize();
    }
    got = read_(chunk_.data(), chunk_.size());
  }
  if (got <= 0) {
    input_ended_ = true;
    return false;
  }
  chunk_pos_ = 0;
  chunk_size_ = std::min(static_cast<std::size_t>(got), chunk_.size());
  held_end_ = 0;  // (read only once what was released is)
  return true;
}

// Makes the bottom rows show prompt + `before` + `after` with the cursor between them, writing
// as little as possible.
void OrderedConsole::show_input(const std::string& before, const std::string& after) {
  std::lock_guard lock(screen_mutex_);
  if (before == before_cursor_ && after == after_cursor_) {
    return;
  }
  const std::size_t columns = columns_ ? columns_() : 0;
  const InputLayout next = layout_input(prompt_shown_locked(), before, after, columns);
  if (after.empty() && after_cursor_.empty() && before.starts_with(before_cursor_) &&
      next.rows.size() == 1 && shown_.rows.size() == 1) {
    // Typing at the end of a line that fits one row only appends.
    write_(std::string_view(before).substr(before_cursor_.size()));
    shown_ = next;
  } else {
    std::string out = erase_input(shown_, columns);
    shown_ = next;
    write_(out + draw_input(shown_));
  }
  before_cursor_ = before;
  after_cursor_ = after;
}

// The window was resized: the input is drawn again for its new width.
void OrderedConsole::redraw_after_resize() {
  std::lock_guard lock(screen_mutex_);
  const std::size_t columns = columns_ ? columns_() : 0;
  std::string out = erase_input(shown_, columns);  // before draw_locked() replaces shown_
  write_(out + draw_locked(columns));
}

}  // namespace chat::client
