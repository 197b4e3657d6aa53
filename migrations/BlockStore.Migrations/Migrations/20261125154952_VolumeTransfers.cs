using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class VolumeTransfers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "volume_transfers",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    volume_id = table.Column<Guid>(type: "uuid", nullable: false),
                    source_project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    salt = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    key_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    no_snapshots = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_volume_transfers", x => x.id);
                    table.ForeignKey(
                        name: "fk_volume_transfers_volumes_volume_id",
                        column: x => x.volume_id,
                        principalSchema: "blockstore",
                        principalTable: "volumes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_volume_transfers_source_project_id_created_at",
                schema: "blockstore",
                table: "volume_transfers",
                columns: new[] { "source_project_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_volume_transfers_volume_id",
                schema: "blockstore",
                table: "volume_transfers",
                column: "volume_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "volume_transfers",
                schema: "blockstore");
        }
    }
}
