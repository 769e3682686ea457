//! Clip bytes to samples: Ogg Vorbis decoded with symphonia, mixed down to
//! mono, and resampled with rubato when the device runs at another rate.

use std::io::Cursor;

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Mono samples at a known rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("clip format: {0}")]
    Format(String),
    #[error("resampling: {0}")]
    Resample(String),
}

/// Decodes a whole clip (they are a few seconds long) to mono.
pub fn decode(bytes: Vec<u8>) -> Result<Pcm, DecodeError> {
    let format_err = |e: SymphoniaError| DecodeError::Format(e.to_string());
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("ogg");
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            source,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(format_err)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| DecodeError::Format("no audio track".into()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| DecodeError::Format("no audio parameters".into()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(format_err)?;
    let track_id = track.id;
    let mut rate = 0;
    let mut mono = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    while let Some(packet) = format.next_packet().map_err(format_err)? {
        if packet.track_id != track_id {
            continue;
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => buffer,
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(format_err(e)),
        };
        rate = buffer.spec().rate();
        let channels = buffer.spec().channels().count().max(1);
        interleaved.resize(buffer.samples_interleaved(), 0.0);
        buffer.copy_to_slice_interleaved(&mut interleaved);
        mono.extend(
            interleaved
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
    }
    if rate == 0 {
        return Err(DecodeError::Format("no audio in the clip".into()));
    }
    Ok(Pcm {
        rate,
        samples: mono,
    })
}

/// The same sound at `rate` Hz.
pub fn resample(pcm: Pcm, rate: u32) -> Result<Pcm, DecodeError> {
    if pcm.rate == rate || pcm.samples.is_empty() {
        return Ok(Pcm { rate, ..pcm });
    }
    let err = |e: String| DecodeError::Resample(e);
    let mut resampler =
        Fft::<f32>::new(pcm.rate as usize, rate as usize, 1024, 1, FixedSync::Input)
            .map_err(|e| err(e.to_string()))?;
    let frames = pcm.samples.len();
    let input = InterleavedSlice::new(&pcm.samples, 1, frames).map_err(|e| err(e.to_string()))?;
    let needed = resampler.process_all_needed_output_len(frames);
    let mut out = vec![0.0f32; needed];
    let mut output =
        InterleavedSlice::new_mut(&mut out, 1, needed).map_err(|e| err(e.to_string()))?;
    let (_, produced) = resampler
        .process_all_into_buffer(&input, &mut output, frames, None)
        .map_err(|e| err(e.to_string()))?;
    out.truncate(produced);
    Ok(Pcm { rate, samples: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_length_in_time_and_pitch() {
        let rate = 24_000;
        let tone: Vec<f32> = (0..rate)
            .map(|i| (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin() * 0.5)
            .collect();
        let out = resample(
            Pcm {
                rate: rate as u32,
                samples: tone,
            },
            48_000,
        )
        .unwrap();
        assert_eq!(out.rate, 48_000);
        let len = out.samples.len() as f32;
        assert!((len - 48_000.0).abs() < 48_000.0 * 0.01, "{len}");
        // Zero crossings per second stay ~880 (440 Hz).
        let crossings = out
            .samples
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!((430..=450).contains(&crossings), "{crossings}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"not an ogg file at all".to_vec()).is_err());
        assert!(decode(Vec::new()).is_err());
    }
}
