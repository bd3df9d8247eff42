// Public header. The console client's screen: chat lines printed whole and in order from any
// thread, below which the user edits the line being typed without either tearing the other.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "input_area.h"
#include "line_editor.h"
#include "terminal.h"

namespace chat::client {

// A thread-safe console. print() queues lines from any thread; one printer thread writes them in
// call order. In interactive mode the bottom rows show prompt + the line being typed (edited by
// LineEditor, laid out by layout_input(): as many rows as it needs), and each write of chat lines
// erases them first and redraws them after, as one write, so incoming chat never tears them nor
// leaves a copy behind; a resize of the terminal redraws them for the new width. Non-interactive
// mode (scripts, tests) writes the bare lines: no prompt, no escapes. Every line and prompt is
// shown through wire::escape_text(), so nothing in it can act on the terminal or start a new line;
// with a width (Options::columns), a longer line is wrapped by wrap_line(), its continuation rows
// indented.
//
// Locking: queue_mutex_ guards the queue only, so print() never waits for the terminal;
// screen_mutex_ serializes every write (printer, echo, prompt change) and guards what the bottom
// rows show. No thread holds both.
class OrderedConsole {
 public:
  struct Options {
    bool interactive = false;
    std::string prompt = "> ";
    std::function<void(std::string_view)> write;  // empty: terminal::write_stdout
    // Like terminal::read_stdin, kReadResized included. Empty: terminal::read_stdin.
    std::function<long(char*, std::size_t)> read;
    // Holds the terminal in terminal::RawMode for the console's lifetime (needed for interactive
    // mode on a real terminal, whose own echo would otherwise duplicate ours).
    bool raw_mode = false;
    // The width to wrap lines to, asked before each write (a terminal can be resized); empty or
    // 0: each line is written as one row, however long (output read by a script). Called on the
    // printer thread.
    std::function<std::size_t()> columns;
    // The SGR sequence (line_style()) each row of a printed line starts with, the row ending
    // with kStyleReset; empty function or result: plain. Given the escaped line; called on the
    // printer thread.
    std::function<std::string(std::string_view)> style;
    // Whether a line read (never a secret one) goes into the Up-arrow history; empty function:
    // every line does. The client keeps lines that carry a password out. Called on the input
    // thread.
    std::function<bool(std::string_view)> keep_in_history;
    // Interactive: Alt+digit was pressed (ESC then the digit) while a line was being typed,
    // which stays as it is. Called on the input thread, inside read_line(); it may print and
    // set_prompt(). Empty: the keys do nothing.
    std::function<void(int digit)> on_alt_digit;
    // ESC and a digit are Alt+digit when they come in one read (a terminal sends Alt+key as one
    // write), or the digit within this long of an ESC that ended a read (Esc then the digit,
    // typed, as readline's timeout allows); later, the digit is typed. 0: only in one read.
    std::chrono::milliseconds escape_key_wait{500};
  };

  // Interactive, with raw mode, exactly when both stdin and stdout are terminals; lines wrapped
  // to the terminal's width whenever stdout is one. Thread-safe.
  static Options for_stdio(std::string prompt);

  // Starts the printer thread; in interactive mode draws the prompt. `write` is called one call
  // at a time (under screen_mutex_ once the printer runs); it must not throw or call back into
  // the console.
  explicit OrderedConsole(Options options);
  // Writes every line already queued, joins the printer, then (interactive) erases the prompt
  // line. Thread contract: once no other thread can still call read_line(); print() and
  // set_prompt() racing with it are safe, and lines printed after it began are dropped.
  ~OrderedConsole();
  OrderedConsole(const OrderedConsole&) = delete;
  OrderedConsole& operator=(const OrderedConsole&) = delete;

  // Queues `line` (without its newline); it is escaped (a '\n' in it shows as "\n": text of
  // several lines is printed a line at a time), then written whole. Thread-safe; never blocks
  // on the terminal.
  void print(std::string line);
  // Blocks until every line queued before the call is written. Thread-safe, except from inside
  // the write function (the printer would wait for itself).
  void flush();
  // Replaces the prompt (escaped) and, in interactive mode, redraws the input line, unless the
  // prompt is unchanged or a question (ask()) stands in for it until answered. Thread-safe.
  void set_prompt(std::string prompt);

  // Blocks for the next line typed, without its line ending; nullopt at end of input (Ctrl+D on
  // an empty line, EOF, read error), and from then on. Non-interactive, a last line with no
  // newline is still returned; interactive, a half-typed line at EOF is dropped.
  // Thread contract: one input thread; calls must not overlap.
  std::optional<std::string> read_line();
  // The same for a password: on a terminal each typed character is drawn as '*'.
  std::optional<std::string> read_secret_line();
  // Asks `question` ("nickname: ", a password prompt) and reads the answer, as read_line() or
  // (secret) read_secret_line(). The question is shown in place of the prompt until answered,
  // whatever set_prompt() is called meanwhile (a message arriving changes the room prompt); the
  // prompt shows again after. Thread contract: as read_line().
  std::optional<std::string> ask(std::string question, bool secret = false);
  // Interactive: the next read_line() starts with `text` already typed (a refused line given
  // back to be shortened). What was read with it and not yet taken (the rest of a paste) is held
  // back, and read once the given-back line is sent (or emptied and sent): returns how many lines
  // that is, for the caller to say so. Non-interactive: nothing, 0 (a script's lines are not
  // edited). Thread contract: the input thread, between read_line() calls.
  std::size_t give_back(std::string text);
  // Once no more lines will be read (the input ended, /quit): drops what give_back() held, or
  // released and is not read yet, and returns how many lines that is, for the caller to say
  // they were not sent. Thread contract: the input thread, after its last read_line().
  std::size_t drop_held();
  // The most bytes the input line holds (LineEditor::set_max_bytes()); what is typed or pasted
  // past it is dropped, and a line printed says so. Thread-safe; takes effect at the next read.
  void set_input_limit(std::size_t bytes);

 private:
  static constexpr std::size_t kReadChunk = 4096;

  void run_printer();
  void write_lines(const std::vector<std::string>& lines);
  std::optional<std::string> read_input_line(bool secret);
  std::optional<std::string> read_line_interactive(bool secret);
  std::optional<std::string> read_line_plain();
  bool refill();
  void show_editor(bool secret);
  void show_input(const std::string& before, const std::string& after);
  std::string draw_locked(std::size_t columns);
  const std::string& prompt_shown_locked() const { return question_ ? *question_ : prompt_; }
  void set_question(std::optional<std::string> question);
  void take_held();
  void say_if_full(bool dropped, std::size_t limit);
  void redraw_after_resize();

  const bool interactive_;
  const std::function<void(std::string_view)> write_;
  const std::function<long(char*, std::size_t)> read_;
  const std::function<std::size_t()> columns_;
  const std::function<std::string(std::string_view)> style_;
  const std::function<bool(std::string_view)> keep_in_history_;
  const std::function<void(int)> on_alt_digit_;
  const std::chrono::milliseconds escape_key_wait_;
  std::optional<terminal::RawMode> raw_mode_;  // declared before printer_: restored after join

  std::mutex queue_mutex_;
  std::condition_variable work_ready_;  // queue_ got lines, or stopping_ was set
  std::condition_variable written_cv_;  // written_ grew
  std::vector<std::string> queue_;      // guarded by queue_mutex_
  std::uint64_t queued_ = 0;            // lines ever queued; guarded by queue_mutex_
  std::uint64_t written_ = 0;           // lines ever written; guarded by queue_mutex_
  bool stopping_ = false;               // guarded by queue_mutex_

  std::mutex screen_mutex_;
  // Guarded by screen_mutex_: the prompt (and ask()'s question), the typed line as last drawn
  // (shown: escaped or masked) either side of the cursor, and their layout on the screen.
  std::string prompt_;
  std::optional<std::string> question_;  // ask()'s, shown instead of prompt_ while set
  std::string before_cursor_;
  std::string after_cursor_;
  InputLayout shown_;

  // Input-thread state (read_line only).
  std::atomic<bool> reading_{false};  // catches overlapping read_line() calls in debug builds
  LineEditor editor_;
  std::vector<char> chunk_ = std::vector<char>(kReadChunk);
  std::size_t chunk_pos_ = 0;
  std::size_t chunk_size_ = 0;
  bool input_ended_ = false;
  std::vector<char> held_;  // read after a given-back line: fed once that line is sent
  // chunk_[chunk_pos_, held_end_) is what take_held() released and is not read yet.
  std::size_t held_end_ = 0;
  char line_end_ = 0;       // the byte that ended the last line read (CR or LF)
  bool said_full_ = false;  // the line being read was said to be full
  std::atomic<std::size_t> input_limit_{LineEditor::kDefaultMaxBytes};

  std::thread printer_;  // last member: starts after everything it uses is constructed
};

}  // namespace chat::client
