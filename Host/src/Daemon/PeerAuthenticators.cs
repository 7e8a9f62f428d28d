using System.Net;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Auth;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// This host's credentials and one <see cref="IIkeAuthenticator"/> per peer, made from the configuration at start:
/// <c>identity</c> through <see cref="LocalCredentials.Load"/>, <c>trust</c> through <see cref="TrustStore.Load"/>,
/// pre-shared keys from <c>peers[].pskFile</c>. Every problem becomes an <see cref="IkeStartException"/> naming the key
/// and the file; no key material is ever part of a message. Disposing wipes the keys. Not thread-safe.
/// </summary>
internal sealed class PeerAuthenticators : IDisposable
{
    /// <summary>The longest PSK file read (a PSK is a few dozen bytes; anything larger is not one).</summary>
    public const int MaxPskFileSize = 4096;

    private readonly List<IDisposable> _owned = [];
    private readonly Dictionary<string, IIkeAuthenticator> _byPeer = new(StringComparer.Ordinal);

    private PeerAuthenticators()
    {
    }

    /// <summary>This host's certificate and key, or null without <c>identity</c>.</summary>
    public LocalCredentials? Credentials { get; private set; }

    /// <summary>The authenticator of the peer named <paramref name="peer"/>.</summary>
    public IIkeAuthenticator For(string peer) => _byPeer[peer];

    /// <summary>Loads everything <paramref name="config"/> names; <paramref name="localAddress"/> is the fallback PSK identity.</summary>
    /// <exception cref="IkeStartException">A file does not load; the message names it.</exception>
    public static PeerAuthenticators Load(HostConfig config, IPAddress localAddress)
    {
        ArgumentNullException.ThrowIfNull(config);
        var result = new PeerAuthenticators();
        try
        {
            result.LoadAll(config, localAddress);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Reads a PSK file: <c>0x</c> followed by hex digits, or else the text itself (UTF-8, surrounding white space removed).</summary>
    /// <exception cref="IkeStartException">Unreadable, empty, too large, or bad hex.</exception>
    public static byte[] ReadPsk(string path, string key)
    {
        byte[] raw;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxPskFileSize)
            {
                throw new IkeStartException($"{key}: {path}: larger than {MaxPskFileSize} bytes, not a pre-shared key");
            }

            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IkeStartException($"{key}: {path}: cannot be read ({Reason(e)})", e);
        }

        string text = Encoding.UTF8.GetString(raw).Trim();
        CryptographicOperations.ZeroMemory(raw);
        if (text.Length == 0)
        {
            throw new IkeStartException($"{key}: {path}: the file holds no key");
        }

        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return Convert.FromHexString(text.AsSpan(2));
            }
            catch (FormatException e)
            {
                throw new IkeStartException($"{key}: {path}: '0x' is followed by something that is not an even number of hex digits", e);
            }
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }

        _owned.Clear();
        Credentials?.Dispose();
        Credentials = null;
    }

    private void LoadAll(HostConfig config, IPAddress localAddress)
    {
        if (config.Identity is { } id)
        {
            Credentials = Guard("identity", () => LocalCredentials.Load(
                config.ResolvePath(id.Certificate), config.ResolvePath(id.Key), id.Intermediates.Select(config.ResolvePath)));
        }

        TrustStore? trust = null;
        HttpCrlFetcher? fetcher = null;
        for (int i = 0; i < config.Peers.Count; i++)
        {
            PeerOptions peer = config.Peers[i];
            string at = $"peers[{i}]";
            LocalIdentity? expected = ExpectedRemoteId(peer.RemoteId, at);
            if (peer.Auth == PeerAuth.Psk)
            {
                LocalIdentity local = peer.LocalId is { } text ? Identity(text, at + ".localId")
                    : Credentials?.LocalId ?? IdentityText.Parse(localAddress.ToString());
                byte[] psk = ReadPsk(config.ResolvePath(peer.PskFile ?? throw new IkeStartException($"{at}.pskFile: required with \"auth\": \"psk\"")), at + ".pskFile");
                try
                {
                    var auth = new PskAuthenticator(psk, local, expected);
                    _owned.Add(auth);
                    _byPeer[peer.Name] = auth;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(psk);
                }

                continue;
            }

            if (Credentials is null)
            {
                throw new IkeStartException($"{at}.auth: 'pubkey' needs this host's certificate and key in 'identity'");
            }

            TrustOptions options = config.Trust ?? throw new IkeStartException($"{at}.auth: 'pubkey' needs 'trust' with at least one anchor");
            trust ??= Guard("trust", () => TrustStore.Load(options.Anchors.Select(config.ResolvePath), options.Crls.Select(config.ResolvePath)));
            if (fetcher is null && options.Revocation != RevocationPolicy.None)
            {
                fetcher = new HttpCrlFetcher();
                _owned.Add(fetcher);
            }

            _byPeer[peer.Name] = new CertificateAuthenticator(Credentials, trust, new CertificateAuthenticatorOptions
            {
                Revocation = options.Revocation,
                CrlFetcher = fetcher,
                ExpectedRemoteId = expected,
            });
        }
    }

    /// <summary>A remote ID to compare exactly; a <c>*.</c> pattern is left to <see cref="SpdIkePolicy"/> instead.</summary>
    private static LocalIdentity? ExpectedRemoteId(string? remoteId, string at) =>
        remoteId is null || remoteId.StartsWith("*.", StringComparison.Ordinal) ? null : Identity(remoteId, at + ".remoteId");

    private static LocalIdentity Identity(string text, string key)
    {
        try
        {
            return IdentityText.Parse(text);
        }
        catch (FormatException e)
        {
            throw new IkeStartException($"{key}: '{text}' is not an identity ({e.Message})", e);
        }
    }

    private static T Guard<T>(string key, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (CredentialException e)
        {
            throw new IkeStartException($"{key}: {e.Path}: {e.Problem}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new IkeStartException($"{key}: {Reason(e)}", e);
        }
    }

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "does not exist",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
