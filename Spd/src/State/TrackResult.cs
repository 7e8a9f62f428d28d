namespace IpsecFw.Spd.State;

/// <summary>The outcome of <see cref="ConnectionTable.Track"/>.</summary>
public enum TrackResult : byte
{
    /// <summary>A new entry was made.</summary>
    Tracked,

    /// <summary>The connection was already tracked; its state was advanced as by <see cref="ConnectionTable.Update"/>.</summary>
    Existing,

    /// <summary>The table (the flow's shard) is full: not tracked, counted as <see cref="ConnectionTable.DroppedFull"/>.</summary>
    Full,

    /// <summary>
    /// The packet cannot open a connection (TCP without SYN, or with SYN and ACK / RST / FIN; ICMP other than an echo
    /// request): not tracked, counted as <see cref="ConnectionTable.DroppedNotInitial"/>.
    /// </summary>
    NotInitial,
}
