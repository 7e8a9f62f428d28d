using System.Security.Cryptography;
using System.Text;

namespace IpsecFw.Ike.Auth;

/// <summary>Reads PEM (RFC 7468) or DER files for the credential loaders; errors are <see cref="CredentialException"/>.</summary>
internal static class PemFile
{
    /// <summary>Largest credential file read (a CRL of a large CA can be several MiB).</summary>
    private const int MaxFileSize = 16 << 20;

    /// <summary>One PEM block: its label and its decoded bytes.</summary>
    internal readonly record struct Block(string Label, byte[] Der);

    /// <summary>The file's bytes; a missing, unreadable or oversized file is a <see cref="CredentialException"/>.</summary>
    public static byte[] ReadBytes(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CredentialException(path, "the file does not exist");
            }

            if (info.Length > MaxFileSize)
            {
                throw new CredentialException(path, $"the file is larger than {MaxFileSize} bytes");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CredentialException(path, $"the file cannot be read ({e.GetType().Name})", e);
        }
    }

    /// <summary>Whether the bytes look like PEM text (a "-----BEGIN " line) rather than DER.</summary>
    public static bool LooksLikePem(ReadOnlySpan<byte> bytes) => bytes.IndexOf("-----BEGIN "u8) >= 0;

    /// <summary>
    /// Every PEM block in the bytes, in order. The decoded bytes of key blocks are the caller's to zero; the text copy
    /// made here is zeroed before returning.
    /// </summary>
    public static List<Block> ReadBlocks(string path, byte[] bytes)
    {
        var blocks = new List<Block>();
        char[] text = Encoding.ASCII.GetChars(bytes);
        try
        {
            ReadOnlySpan<char> rest = text;
            while (PemEncoding.TryFind(rest, out PemFields fields))
            {
                ReadOnlySpan<char> base64 = rest[fields.Base64Data];
                byte[] der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(base64, der, out int written) || written != der.Length)
                {
                    throw new CredentialException(path, "a PEM block's base64 does not decode");
                }

                blocks.Add(new Block(rest[fields.Label].ToString(), der));
                rest = rest[fields.Location.End..];
            }

            return blocks;
        }
        finally
        {
            Array.Clear(text);
        }
    }

    /// <summary>The certificates of a PEM file (CERTIFICATE blocks) or a DER file (one certificate).</summary>
    public static List<byte[]> ReadCertificates(string path)
    {
        byte[] bytes = ReadBytes(path);
        if (!LooksLikePem(bytes))
        {
            return [bytes];
        }

        List<byte[]> certs = ReadBlocks(path, bytes).Where(b => b.Label == "CERTIFICATE").Select(b => b.Der).ToList();
        if (certs.Count == 0)
        {
            throw new CredentialException(path, "no PEM CERTIFICATE block found");
        }

        return certs;
    }
}
