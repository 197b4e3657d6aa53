using System.Text.Json;
using BlockStore.Api.Auth;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Types;

namespace BlockStore.Api.Types;

/// <summary>The Cinder volume type body. Readers see extra specs, but only the user-visible ones unless admin.</summary>
public static class TypeView
{
    /// <summary>Cinder's <c>USER_VISIBLE_EXTRA_SPECS</c>: the rest (e.g. the backend name) are for admins.</summary>
    private static readonly string[] UserVisible = ["RESKEY:availability_zones", "multiattach", "replication_enabled"];

    public static void Write(Utf8JsonWriter w, VolumeType t, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", t.Id);
        w.WriteString("name", t.Name);
        w.WriteBoolean("is_public", t.IsPublic);
        w.WriteStringOrNull("description", t.Description);
        w.WriteDictionary("extra_specs", VisibleSpecs(t, req.Caller));
        if (req.Caller.IsAdmin) w.WriteStringOrNull("qos_specs_id", t.QosSpecsId);
        w.WriteBoolean("os-volume-type-access:is_public", t.IsPublic);
        w.WriteEndObject();
    }

    public static JsonBody One(VolumeType t, ApiRequest req) => JsonBody.Single("volume_type", w => Write(w, t, req));

    public static IReadOnlyDictionary<string, string> VisibleSpecs(VolumeType t, Caller caller) =>
        caller.IsAdmin ? t.ExtraSpecs : t.ExtraSpecs.Where(p => IsUserVisible(p.Key)).ToDictionary(p => p.Key, p => p.Value);

    public static bool IsUserVisible(string specKey) => UserVisible.Contains(specKey);
}
