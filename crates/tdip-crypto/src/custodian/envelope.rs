//! Share files encrypted to their custodian's age key, so that a share handed out on a
//! medium or sent by mail is useless to whoever else finds it.

use std::io::Read;

use zeroize::Zeroizing;

use super::ShareError;

/// How every age file begins.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Whether `bytes` is an age-encrypted file (rather than a plain share file).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(AGE_MAGIC)
}

/// Encrypts a share file's text to a custodian's age public key (`age1…`).
pub fn encrypt_share(text: &str, recipient: &str) -> Result<Vec<u8>, ShareError> {
    let recipient: age::x25519::Recipient = recipient
        .trim()
        .parse()
        .map_err(|_| ShareError::Recipient)?;
    age::encrypt(&recipient, text.as_bytes()).map_err(|_| ShareError::Recipient)
}

/// Decrypts an encrypted share file with the first of the custodians' age identity
/// files (their text) that opens it.
pub fn decrypt_share(
    bytes: &[u8],
    identity_files: &[Zeroizing<String>],
) -> Result<Zeroizing<String>, ShareError> {
    let mut identities = Vec::new();
    for file in identity_files {
        let parsed = age::IdentityFile::from_buffer(file.as_bytes())
            .and_then(|f| f.into_identities().map_err(std::io::Error::other))
            .map_err(|_| ShareError::IdentityFile)?;
        identities.extend(parsed);
    }
    if identities.is_empty() {
        return Err(ShareError::Encrypted);
    }
    let decryptor = age::Decryptor::new_buffered(bytes)
        .map_err(|_| ShareError::Corrupt("not a readable age file"))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|_| ShareError::Encrypted)?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plain)
        .map_err(|_| ShareError::Corrupt("the encrypted share does not decrypt whole"))?;
    let text = std::str::from_utf8(&plain).map_err(|_| ShareError::Corrupt("not text"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encrypted_share_opens_only_with_its_custodians_identity() {
        let custodian = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let text = "tdip-share v1\nshare 0123\n";
        let bytes = encrypt_share(text, &custodian.to_public().to_string()).unwrap();
        assert!(is_encrypted(&bytes));
        assert!(!is_encrypted(text.as_bytes()));
        assert!(!bytes.windows(11).any(|w| w == b"share 0123\n"));

        use age::secrecy::ExposeSecret;
        let file = |id: &age::x25519::Identity| {
            Zeroizing::new(format!(
                "# a custodian's key\n{}\n",
                id.to_string().expose_secret()
            ))
        };
        let opened = decrypt_share(&bytes, &[file(&other), file(&custodian)]).unwrap();
        assert_eq!(opened.as_str(), text);
        assert!(matches!(
            decrypt_share(&bytes, &[file(&other)]),
            Err(ShareError::Encrypted)
        ));
        assert!(matches!(
            decrypt_share(&bytes, &[]),
            Err(ShareError::Encrypted)
        ));
        assert!(matches!(
            decrypt_share(&bytes, &[Zeroizing::new("not a key".into())]),
            Err(ShareError::IdentityFile)
        ));
        assert!(matches!(
            encrypt_share(text, "age1nonsense"),
            Err(ShareError::Recipient)
        ));
    }
}
