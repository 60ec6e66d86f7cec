#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace fibdns {

/// A hash set of values identified by a string key (KeyOf{}(value) gives it), whose copies share
/// structure: a copy costs one pointer copy, and a change clones only what it touches that is
/// still shared with a copy, namely the path from the root to one leaf (three nodes of kFanout
/// pointers) and that leaf (the few values whose key hashes agree in the path's bits). So the
/// owner can keep changing the set while other threads read copies made earlier, and a copy per
/// change costs a few pointer copies plus one leaf (a few values at 100,000 names, about 30 at a
/// million).
///
/// Thread contract: copies, changes and destruction of the copies happen on one thread at a
/// time (the owner's); other threads may read a copy that no one changes any more, while the
/// owner keeps it alive. A node is changed in place only when the owner's reference is the only
/// one (its count is 1, exact on the owner's thread, because only that thread creates or
/// drops references to nodes); otherwise it is cloned first. For the same reason the reference
/// counts are plain integers: a change clones up to three nodes of kFanout references each, and
/// with std::shared_ptr every one of those copies (and their release when the previous
/// snapshot goes) was a locked instruction that bought nothing.
template <typename Value, typename KeyOf>
class PersistentHashSet {
 public:
  PersistentHashSet() = default;
  PersistentHashSet(const PersistentHashSet&) = default;  // shares everything
  PersistentHashSet& operator=(const PersistentHashSet&) = default;
  /// A moved-from set is empty.
  PersistentHashSet(PersistentHashSet&& other) noexcept
      : root_(std::move(other.root_)), size_(std::exchange(other.size_, 0)) {}
  PersistentHashSet& operator=(PersistentHashSet&& other) noexcept {
    root_ = std::move(other.root_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  /// The value with this key, or nullptr. Valid until the next change of this set.
  const Value* find(std::string_view key) const {
    const std::size_t hash = hashOf(key);
    const Leaf* leaf = leafOf(hash);
    if (leaf == nullptr) {
      return nullptr;
    }
    for (const Entry& entry : *leaf) {
      if (entry.hash == hash && KeyOf{}(entry.value) == key) {
        return &entry.value;
      }
    }
    return nullptr;
  }

  /// Inserts `value`, or replaces the value with the same key; true when the key was new.
  bool insertOrAssign(Value value) {
    const std::size_t hash = hashOf(KeyOf{}(value));
    Leaf& leaf = writableLeaf(hash);
    for (Entry& entry : leaf) {
      if (entry.hash == hash && KeyOf{}(entry.value) == KeyOf{}(value)) {
        entry.value = std::move(value);
        return false;
      }
    }
    leaf.push_back(Entry{hash, std::move(value)});
    ++size_;
    return true;
  }

  /// Removes the value with this key; false (and nothing cloned) when there is none.
  bool erase(std::string_view key) {
    if (find(key) == nullptr) {
      return false;
    }
    const std::size_t hash = hashOf(key);
    Leaf& leaf = writableLeaf(hash);
    std::erase_if(leaf, [&](const Entry& entry) {
      return entry.hash == hash && KeyOf{}(entry.value) == key;
    });
    --size_;
    return true;
  }

  /// Calls visit(value) for every value, in no particular order.
  template <typename Visit>
  void forEach(Visit&& visit) const {
    if (root_ == nullptr) {
      return;
    }
    for (const auto& middle : root_->children) {
      if (middle == nullptr) continue;
      for (const auto& bottom : middle->children) {
        if (bottom == nullptr) continue;
        for (const auto& leaf : bottom->children) {
          if (leaf == nullptr) continue;
          for (const Entry& entry : *leaf) {
            visit(entry.value);
          }
        }
      }
    }
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr unsigned kBits = 5;
  static constexpr std::size_t kFanout = std::size_t{1} << kBits;  // a node stays under 1 KiB

  struct Entry {
    std::size_t hash;  // compared before the key
    Value value;
  };
  using Leaf = std::vector<Entry>;

  // A counted reference to a node, counted without atomics (the thread contract above: only the
  // owner's thread copies or drops one).
  template <typename T>
  class Ref {
   public:
    Ref() = default;
    Ref(const Ref& other) noexcept : box_(other.box_) {
      if (box_ != nullptr) ++box_->refs;
    }
    Ref(Ref&& other) noexcept : box_(std::exchange(other.box_, nullptr)) {}
    Ref& operator=(Ref other) noexcept {
      std::swap(box_, other.box_);
      return *this;
    }
    ~Ref() {
      if (box_ != nullptr && --box_->refs == 0) delete box_;
    }
    template <typename... Args>
    static Ref make(Args&&... args) {
      Ref ref;
      ref.box_ = new Box{1, T(std::forward<Args>(args)...)};
      return ref;
    }
    T* get() const { return box_ != nullptr ? &box_->value : nullptr; }
    T& operator*() const { return box_->value; }
    T* operator->() const { return &box_->value; }
    bool operator==(std::nullptr_t) const { return box_ == nullptr; }
    bool isOnlyReference() const { return box_ != nullptr && box_->refs == 1; }

   private:
    struct Box {
      std::size_t refs;
      T value;
    };
    Box* box_ = nullptr;
  };

  template <typename Child>
  struct Node {
    std::array<Ref<Child>, kFanout> children;
  };
  using Bottom = Node<Leaf>;
  using Middle = Node<Bottom>;
  using Root = Node<Middle>;  // three levels: 32,768 leaves, a few values each at 100,000

  static std::size_t hashOf(std::string_view key) { return std::hash<std::string_view>{}(key); }
  static std::size_t slot(std::size_t hash, unsigned level) {
    return (hash >> (level * kBits)) & (kFanout - 1);
  }

  // Makes `node` this set's own (creating or cloning it as needed) and returns it.
  template <typename T>
  static T& own(Ref<T>& node) {
    if (node == nullptr) {
      node = Ref<T>::make();
    } else if (!node.isOnlyReference()) {
      node = Ref<T>::make(*node);
    }
    return *node;
  }

  Leaf& writableLeaf(std::size_t hash) {
    Middle& middle = own(own(root_).children[slot(hash, 0)]);
    Bottom& bottom = own(middle.children[slot(hash, 1)]);
    return own(bottom.children[slot(hash, 2)]);
  }

  const Leaf* leafOf(std::size_t hash) const {
    if (root_ == nullptr) {
      return nullptr;
    }
    const Middle* middle = root_->children[slot(hash, 0)].get();
    if (middle == nullptr) {
      return nullptr;
    }
    const Bottom* bottom = middle->children[slot(hash, 1)].get();
    return bottom == nullptr ? nullptr : bottom->children[slot(hash, 2)].get();
  }

  Ref<Root> root_;
  std::size_t size_ = 0;
};

}  // namespace fibdns
