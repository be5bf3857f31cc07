//! What a picked file becomes before it is kept: photos decoded within limits, turned upright, shrunk to
//! a long side of 1,600 px and written again as JPEG (which drops every EXIF field: place, camera, time),
//! with a small thumbnail; PDFs checked and kept as they are, up to a size cap. Each refusal says why, in
//! terms of the file the officer picked.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

use super::FileProblem;

/// The long side of a kept photo: enough to read faces and a banner, small enough to carry 200 on a stick.
pub const PHOTO_LONG_SIDE: u32 = 1600;
pub const PHOTO_QUALITY: u8 = 80;
/// The long side of a thumbnail in lists and galleries.
pub const THUMB_LONG_SIDE: u32 = 320;
const THUMB_QUALITY: u8 = 70;
/// A photo file larger than this is not a phone photo (a 108-megapixel JPEG is about 30 MB).
pub const MAX_PHOTO_INPUT: u64 = 64 * 1024 * 1024;
/// More pixels than a 108-megapixel camera makes: a decompression bomb, refused before decoding.
pub const MAX_PIXELS: u64 = 120_000_000;
/// The default cap for PDFs (a setting: `files.pdf_cap_mb`).
pub const DEFAULT_PDF_CAP: u64 = 20 * 1024 * 1024;

/// A file ready to keep.
#[derive(Debug)]
pub struct Processed {
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumb: Option<Vec<u8>>,
}

/// What the bytes are, by their first bytes (never by the name alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    WebP,
    Pdf,
    Heic,
    Unknown,
}

impl Sniffed {
    pub fn of(bytes: &[u8]) -> Sniffed {
        let starts = |p: &[u8]| bytes.starts_with(p);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Sniffed::Jpeg
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            Sniffed::Png
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Sniffed::WebP
        } else if starts(b"%PDF-") {
            Sniffed::Pdf
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && HEIC_BRANDS.contains(&&bytes[8..12]) {
            Sniffed::Heic
        } else {
            Sniffed::Unknown
        }
    }

    /// The name people know the format by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "JPEG",
            Sniffed::Png => "PNG",
            Sniffed::WebP => "WebP",
            Sniffed::Pdf => "PDF",
            Sniffed::Heic => "HEIC",
            Sniffed::Unknown => "?",
        }
    }

    fn by_extension(ext: &str) -> Option<Sniffed> {
        Some(match ext {
            "jpg" | "jpeg" | "jfif" | "jpe" => Sniffed::Jpeg,
            "png" => Sniffed::Png,
            "webp" => Sniffed::WebP,
            "pdf" => Sniffed::Pdf,
            "heic" | "heif" => Sniffed::Heic,
            _ => return None,
        })
    }
}

const HEIC_BRANDS: [&[u8]; 6] = [b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1"];

/// Checks and converts one picked file. `name` is the file's name (its extension must say what it is).
pub fn process(name: &str, bytes: &[u8], pdf_cap: u64) -> Result<Processed, FileProblem> {
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let claimed = Sniffed::by_extension(&ext).ok_or_else(|| FileProblem::Unsupported { extension: ext.clone() })?;
    let actual = Sniffed::of(bytes);
    if actual == Sniffed::Heic || (claimed == Sniffed::Heic && actual == Sniffed::Unknown) {
        return Err(FileProblem::Heic);
    }
    if actual != claimed {
        return Err(FileProblem::NotWhatItSays { extension: ext, actual: actual.name() });
    }
    match actual {
        Sniffed::Pdf => pdf(bytes, pdf_cap),
        Sniffed::Jpeg if !jpeg_is_whole(bytes) => Err(FileProblem::Truncated),
        Sniffed::Jpeg => photo(bytes, ImageFormat::Jpeg),
        Sniffed::Png => photo(bytes, ImageFormat::Png),
        Sniffed::WebP => photo(bytes, ImageFormat::WebP),
        Sniffed::Heic | Sniffed::Unknown => Err(FileProblem::Unsupported { extension: ext }),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn pdf(bytes: &[u8], cap: u64) -> Result<Processed, FileProblem> {
    let size = bytes.len() as u64;
    if size > cap {
        return Err(FileProblem::TooLarge { size, cap });
    }
    // A whole PDF ends with %%EOF (a few bytes of line ends may follow it).
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(FileProblem::Truncated);
    }
    Ok(Processed {
        sha256: sha256_hex(bytes),
        bytes: bytes.to_vec(),
        media_type: "application/pdf",
        width: None,
        height: None,
        thumb: None,
    })
}

fn photo(bytes: &[u8], format: ImageFormat) -> Result<Processed, FileProblem> {
    let size = bytes.len() as u64;
    if size > MAX_PHOTO_INPUT {
        return Err(FileProblem::TooLarge { size, cap: MAX_PHOTO_INPUT });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(768 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    // The size the header claims, checked before a single pixel is decoded.
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(FileProblem::TooManyPixels { width: w, height: h });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    img.apply_orientation(orientation);
    let img = if img.width().max(img.height()) > PHOTO_LONG_SIDE { img.thumbnail(PHOTO_LONG_SIDE, PHOTO_LONG_SIDE) } else { img };
    let rgb = on_white(img);
    let kept = jpeg(&rgb, PHOTO_QUALITY)?;
    let small = DynamicImage::ImageRgb8(rgb.clone()).thumbnail(THUMB_LONG_SIDE, THUMB_LONG_SIDE).to_rgb8();
    let thumb = jpeg(&small, THUMB_QUALITY)?;
    Ok(Processed {
        sha256: sha256_hex(&kept),
        bytes: kept,
        media_type: "image/jpeg",
        width: Some(rgb.width()),
        height: Some(rgb.height()),
        thumb: Some(thumb),
    })
}

/// JPEG has no transparency: a screenshot with see-through parts is laid on white, not black.
fn on_white(img: DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

fn jpeg(img: &image::RgbImage, quality: u8) -> Result<Vec<u8>, FileProblem> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(img).map_err(damaged)?;
    Ok(out)
}

fn damaged(e: image::ImageError) -> FileProblem {
    match e {
        image::ImageError::Limits(_) => FileProblem::TooManyPixels { width: 0, height: 0 },
        other => FileProblem::Damaged(other.to_string()),
    }
}

/// Whether a JPEG reaches its end-of-image marker. Decoders fill a cut-off photo with grey and carry on;
/// this walks the segments (skipping an embedded thumbnail's markers, which sit inside APP1) and looks for
/// EOI after the first scan. Inside scan data a 0xFF byte is always followed by 0x00 or a restart marker,
/// so FF D9 there can only be the real end.
pub fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if marker == 0xDA {
            return bytes[i..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        i += 2 + len;
    }
    false
}
