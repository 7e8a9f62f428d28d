namespace IpsecFw.Esp.DataPath;

/// <summary>One peer with a trap, as <see cref="AcquireQueue.Snapshot"/> sees it: an acquire pending, and packets waiting for it.</summary>
public sealed record AcquireState(string Peer, bool Pending, int Held);
