//! The wasm build's global allocator: power-of-two size classes, each with a free list, carved
//! from memory grown at the end. A fraction of dlmalloc's size; blocks are reused within their
//! class (a source's buffers settle at their peak size), never split or merged.
//!
//! wasm32-unknown-unknown without the `atomics` feature is single-threaded, which is what makes
//! the unsynchronized state below sound.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

const PAGE: usize = 65536;
/// Smallest block: room for the free-list link and 8-byte alignment.
const MIN: usize = 8;

struct State {
    /// Head of each class's free list (class k holds blocks of 2^k bytes); 0 is empty.
    free: [usize; usize::BITS as usize],
    /// Next unused byte (0 until the first block is carved).
    top: usize,
}

pub struct Classes(UnsafeCell<State>);

// SAFETY: see the module docs: there is only one thread on this target.
unsafe impl Sync for Classes {}

#[global_allocator]
static ALLOC: Classes = Classes(UnsafeCell::new(State { free: [0; usize::BITS as usize], top: 0 }));

/// The class of a layout: its size rounded up to a power of two at least its alignment.
fn class(layout: &Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(MIN).checked_next_power_of_two()?;
    Some(size.trailing_zeros() as usize)
}

unsafe impl GlobalAlloc for Classes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (module docs), and no reference to the state outlives this call.
        let s = unsafe { &mut *self.0.get() };
        let Some(k) = class(&layout) else { return ptr::null_mut() };
        let head = s.free[k];
        // Blocks are aligned to their size (up to a page), so any block of a class suits any
        // layout of that class; the check covers alignments above a page.
        if head != 0 && head % layout.align() == 0 {
            // SAFETY: `head` is a freed block of this class; its first word is the next link.
            s.free[k] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        // Only this allocator grows the memory, so its size is where the blocks end (read, not
        // kept: one field less to start and to update).
        let end = wasm32::memory_size(0) * PAGE;
        if s.top == 0 {
            // The linker's data and stack end below the memory's current size: start above it.
            s.top = end;
        }
        let size = 1usize << k;
        let align = size.min(PAGE).max(layout.align());
        let Some(start) = s.top.checked_add(align - 1).map(|t| t & !(align - 1)) else { return ptr::null_mut() };
        let Some(stop) = start.checked_add(size) else { return ptr::null_mut() };
        if stop > end && wasm32::memory_grow(0, (stop - end).div_ceil(PAGE)) == usize::MAX {
            return ptr::null_mut();
        }
        s.top = stop;
        start as *mut u8
    }

    // Out of line: `Vec` growth (the default `realloc`) and buffer drops each had their own copy.
    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`; `block` came from `alloc` with this layout, so it is at least
        // MIN bytes and aligned for a usize.
        let s = unsafe { &mut *self.0.get() };
        if let Some(k) = class(&layout) {
            unsafe { *(block as *mut usize) = s.free[k] };
            s.free[k] = block as usize;
        }
    }
}
