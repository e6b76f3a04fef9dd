#![no_main]

// libFuzzer's panic hook aborts on every panic, even one the import catches: a panic inside the
// parquet crate that the import turns into the file's error is let pass; any other still aborts.
libfuzzer_sys::fuzz_target!(
    init: {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !tapedeck::import::parquet::is_decoder_panic(info) {
                abort(info);
            }
        }));
    },
    |data: &[u8]| {
        tapedeck::fuzz_targets::import_parquet(data);
    }
);
