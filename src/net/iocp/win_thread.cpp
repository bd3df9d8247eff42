#include "net/windows_headers.h"

#include "net/thread_name.h"
#include "net/thread_priority.h"

namespace chat::net {

namespace {

// SetThreadDescription and GetThreadDescription exist from Windows 10 1607 on, and not in
// every SDK's headers (mingw-w64's), so they are looked up at run time.
using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
using GetDescription = HRESULT(WINAPI*)(HANDLE, PWSTR*);

template <typename Function>
Function kernel32_function(const char* name) {
  const HMODULE kernel32 = ::GetModuleHandleW(L"kernel32.dll");
  const FARPROC found = kernel32 != nullptr ? ::GetProcAddress(kernel32, name) : nullptr;
  // Through a generic function pointer type: the cast GCC and MSVC accept without a warning.
  return reinterpret_cast<Function>(reinterpret_cast<void (*)()>(found));
}

}  // namespace

void name_this_thread(const std::string& name) {
  static const auto set = kernel32_function<SetDescription>("SetThreadDescription");
  if (set == nullptr) {
    return;
  }
  const int chars = ::MultiByteToWideChar(CP_UTF8, 0, name.c_str(), -1, nullptr, 0);
  if (chars <= 0) {
    return;
  }
  std::wstring wide(static_cast<std::size_t>(chars), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, name.c_str(), -1, wide.data(), chars);
  set(::GetCurrentThread(), wide.c_str());
}

std::string this_thread_name() {
  static const auto get = kernel32_function<GetDescription>("GetThreadDescription");
  PWSTR wide = nullptr;
  if (get == nullptr || FAILED(get(::GetCurrentThread(), &wide)) || wide == nullptr) {
    return {};
  }
  std::string name;
  const int bytes = ::WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  if (bytes > 1) {
    name.resize(static_cast<std::size_t>(bytes - 1));
    ::WideCharToMultiByte(CP_UTF8, 0, wide, -1, name.data(), bytes, nullptr, nullptr);
  }
  ::LocalFree(wide);
  return name;
}

bool set_this_thread_priority(ThreadPriority priority) {
  switch (priority) {
    case ThreadPriority::low:
      return ::SetThreadPriority(::GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL) != 0;
    case ThreadPriority::idle:
      return ::SetThreadPriority(::GetCurrentThread(), THREAD_PRIORITY_IDLE) != 0;
    default:
      return true;
  }
}

}  // namespace chat::net
