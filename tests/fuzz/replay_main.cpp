// Runs a fuzz target without libFuzzer (any compiler): every seed of a corpus directory,
// then a fixed number of deterministic mutations of them. Used as a ctest smoke test;
// real fuzzing builds the same targets with clang's -fsanitize=fuzzer (docs/fuzzing.md).
//
//   <target>_replay CORPUS_DIR [ITERATIONS]
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  static const std::string interesting = "0123456789b[]{}\",:/-_\x1e\\B\x00\xff";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const auto pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 4) {
      case 0:  // insert
        s.insert(s.begin() + static_cast<long>(pos), interesting[rng() % interesting.size()]);
        break;
      case 1:  // erase
        if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 3);
        break;
      case 2:  // replace with a random byte
        if (pos < s.size()) s[pos] = static_cast<char>(rng());
        break;
      default:  // duplicate a slice
        if (!s.empty()) s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 8));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR [ITERATIONS]\n";
    return 2;
  }
  const long iterations = argc > 2 ? std::stol(argv[2]) : 20000;
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::cerr << "no seeds in " << argv[1] << "\n";
    return 2;
  }
  for (const auto& s : seeds) run(s);
  std::mt19937_64 rng(12345);
  for (long i = 0; i < iterations; ++i) run(mutate(seeds[rng() % seeds.size()], rng));
  std::cout << seeds.size() << " seeds and " << iterations << " mutations: no failure\n";
  return 0;
}
