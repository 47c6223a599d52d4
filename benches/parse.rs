//! Parse throughput: 64 B, 4 KB and 1 MB events, LF and CRLF, fed in 64 KB chunks, each event
//! delivered to a callback with its type, data and id.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use eventsource_wasm::parser::{Event, Parser, Sink};

struct Count(u64, usize);

impl Sink for Count {
    #[inline]
    fn event(&mut self, e: Event<'_>) {
        self.0 += 1;
        self.1 += black_box(e.event_type).len() + black_box(e.data).len() + black_box(e.id).len();
    }
}

/// About 16 MB of events of `size` data bytes each (at least 4 events), with ids.
fn stream(size: usize, eol: &str) -> (Vec<u8>, u64) {
    let count = (16 << 20) / size.max(1);
    let count = count.max(4);
    let payload = "x".repeat(size);
    let mut s = String::with_capacity(count * (size + 32));
    for i in 0..count {
        s.push_str("id: ");
        s.push_str(&i.to_string());
        s.push_str(eol);
        s.push_str("data: ");
        s.push_str(&payload);
        s.push_str(eol);
        s.push_str(eol);
    }
    (s.into_bytes(), count as u64)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    for (name, size) in [("64B", 64), ("4KB", 4096), ("1MB", 1 << 20)] {
        for (eol_name, eol) in [("lf", "\n"), ("crlf", "\r\n")] {
            let (bytes, count) = stream(size, eol);
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("{name}/{eol_name}/bytes"), |b| {
                b.iter(|| {
                    let mut p = Parser::new();
                    let mut sink = Count(0, 0);
                    for chunk in bytes.chunks(64 * 1024) {
                        p.feed(chunk, &mut sink).unwrap();
                    }
                    assert_eq!(sink.0, count);
                    sink.1
                })
            });
            if eol_name == "lf" {
                group.throughput(Throughput::Elements(count));
                group.bench_function(format!("{name}/{eol_name}/events"), |b| {
                    b.iter(|| {
                        let mut p = Parser::new();
                        let mut sink = Count(0, 0);
                        for chunk in bytes.chunks(64 * 1024) {
                            p.feed(chunk, &mut sink).unwrap();
                        }
                        sink.0
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
