// main() of every GoogleTest executable, compiled into each one (CMake: chat_add_test_exe; Visual
// Studio: each test .vcxproj) instead of linking GoogleTest's gtest_main. vcpkg names and places
// that library differently per configuration (lib\manual-link\gtest_main.lib, and
// gtest_maind.lib in Debug), so linking it by name breaks one configuration or the other; a main
// of our own is the same in every build. The exit status is RUN_ALL_TESTS()'s: non-zero when a
// test fails, so ctest and the CI see the failure.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
