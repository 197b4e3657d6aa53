using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Attachments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string[]>(
                name: "monitors",
                schema: "blockstore",
                table: "services",
                type: "text[]",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "attachments",
                schema: "blockstore",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    volume_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    instance_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    attach_mode = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    connector = table.Column<string>(type: "jsonb", nullable: true),
                    connection_info = table.Column<string>(type: "jsonb", nullable: true),
                    attached_host = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    mountpoint = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    attached_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_attachments", x => x.id);
                    table.ForeignKey(
                        name: "fk_attachments_volumes_volume_id",
                        column: x => x.volume_id,
                        principalSchema: "blockstore",
                        principalTable: "volumes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_attachments_project_id_created_at",
                schema: "blockstore",
                table: "attachments",
                columns: new[] { "project_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_attachments_volume_id",
                schema: "blockstore",
                table: "attachments",
                column: "volume_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "attachments",
                schema: "blockstore");

            migrationBuilder.DropColumn(
                name: "monitors",
                schema: "blockstore",
                table: "services");
        }
    }
}
