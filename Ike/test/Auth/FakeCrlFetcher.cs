using System.Collections.Concurrent;
using IpsecFw.Ike.Auth;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>Serves CRLs from memory by URL and counts requests; no network.</summary>
public sealed class FakeCrlFetcher : ICrlFetcher
{
    private readonly ConcurrentDictionary<string, byte[]> _crls = new();

    public int Requests;

    public List<Uri> Urls { get; } = [];

    public void Serve(string url, byte[] crl) => _crls[url] = crl;

    public byte[]? Fetch(Uri url, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Requests);
        lock (Urls)
        {
            Urls.Add(url);
        }

        return _crls.TryGetValue(url.AbsoluteUri, out byte[]? crl) ? crl : null;
    }
}
