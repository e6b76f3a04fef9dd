#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tapedeck::fuzz_targets::classroom_request(data);
});
