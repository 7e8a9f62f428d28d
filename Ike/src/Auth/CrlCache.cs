using System.Collections.Concurrent;
using Org.BouncyCastle.X509;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// CRLs fetched by URL, kept until their nextUpdate (or <see cref="DefaultLifetime"/> without one); a failed fetch is
/// remembered for <see cref="FailureLifetime"/> so that peers cannot make us fetch in a loop. Thread-safe.
/// </summary>
internal sealed class CrlCache
{
    /// <summary>How long a CRL without nextUpdate is kept.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>How long a failed fetch is remembered.</summary>
    public static readonly TimeSpan FailureLifetime = TimeSpan.FromMinutes(1);

    /// <summary>Most URLs remembered (each peer certificate names a few).</summary>
    private const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<string, (X509Crl? Crl, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    /// <summary>True when the URL has a live entry; <paramref name="crl"/> is null for a remembered failure.</summary>
    public bool TryGet(Uri url, DateTimeOffset now, out X509Crl? crl)
    {
        if (_entries.TryGetValue(url.AbsoluteUri, out (X509Crl? Crl, DateTimeOffset Until) entry) && now < entry.Until)
        {
            crl = entry.Crl;
            return true;
        }

        crl = null;
        return false;
    }

    /// <summary>Remembers a fetch result (null for a failure).</summary>
    public void Put(Uri url, X509Crl? crl, DateTimeOffset now)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        DateTimeOffset until = crl is null ? now + FailureLifetime
            : crl.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc))
            : now + DefaultLifetime;
        _entries[url.AbsoluteUri] = (crl, until);
    }
}
