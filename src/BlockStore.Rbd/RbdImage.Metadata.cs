using System.Text;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>
/// Image metadata (<c>rbd image-meta</c>): string pairs kept in the image's header. Keys that begin with <c>conf_</c>
/// override librbd's configuration for every client that opens the image (<c>rbd config image</c>), which is how QoS
/// limits such as <c>conf_rbd_qos_iops_limit</c> are set on one image. A clone starts with its parent's metadata.
/// </summary>
public sealed partial class RbdImage
{
    /// <summary>All the image's metadata (<c>rbd_metadata_list</c>).</summary>
    public unsafe IReadOnlyDictionary<string, string> ListMetadata()
    {
        nuint keyCapacity = 1024, valueCapacity = 1024;
        while (true)
        {
            var keys = new byte[(int)keyCapacity];
            var values = new byte[(int)valueCapacity];
            nuint keyLength = keyCapacity, valueLength = valueCapacity;
            int rc;
            fixed (byte* k = keys)
            fixed (byte* v = values)
            {
                rc = LibRbd.rbd_metadata_list(Handle, "", 0, k, &keyLength, v, &valueLength);
            }
            if (rc == -Errno.ERANGE)
            {
                keyCapacity = Math.Max(keyLength, keyCapacity * 2);
                valueCapacity = Math.Max(valueLength, valueCapacity * 2);
                continue;
            }
            RbdError.ThrowIfFailed(rc, "rbd_metadata_list", Subject);
            var names = Split(keys, keyLength);
            var texts = Split(values, valueLength);
            var result = new Dictionary<string, string>(names.Count, StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++) result[names[i]] = i < texts.Count ? texts[i] : "";
            return result;
        }
    }

    /// <summary>Sets one key (<c>rbd_metadata_set</c>); the image must be open for writing.</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        RbdError.ThrowIfFailed(LibRbd.rbd_metadata_set(Handle, key, value), "rbd_metadata_set", Subject);
    }

    /// <summary>Removes one key (<c>rbd_metadata_remove</c>); false when the image had no such key.</summary>
    public bool RemoveMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        int rc = LibRbd.rbd_metadata_remove(Handle, key);
        if (rc == -Errno.ENOENT) return false;
        RbdError.ThrowIfFailed(rc, "rbd_metadata_remove", Subject);
        return true;
    }

    /// <summary>The NUL-terminated strings in the first <paramref name="length"/> bytes.</summary>
    private static List<string> Split(byte[] buffer, nuint length)
    {
        var result = new List<string>();
        int start = 0, end = (int)Math.Min(length, (nuint)buffer.Length);
        for (int i = 0; i < end; i++)
        {
            if (buffer[i] != 0) continue;
            if (i > start) result.Add(Encoding.UTF8.GetString(buffer, start, i - start));
            start = i + 1;
        }
        return result;
    }
}
