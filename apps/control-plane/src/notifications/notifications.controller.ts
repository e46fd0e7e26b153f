import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentActor, RequireRole, type AuditActor } from '../auth/auth.decorators.js';
import { UuidParamPipe } from '../common/uuid-param.pipe.js';
import { nextCursor, timeCursorOf } from '../common/keyset-cursor.js';
import { ZodPipe } from '../common/zod-body.pipe.js';
import { ApiErrors } from '../openapi/openapi.js';
import { notificationView } from './notification.view.js';
import { listNotificationsSchema, type ListNotificationsQuery } from './notifications.schemas.js';
import { NotificationsService } from './notifications.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { notificationListResponse, notificationResponse } from './notifications.responses.js';

@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiReply({ summary: 'List notifications', schema: notificationListResponse })
  async list(@Query(new ZodPipe(listNotificationsSchema, 'query string')) query: ListNotificationsQuery) {
    const notifications = await this.notifications.list(query);
    return {
      items: notifications.map(notificationView),
      next_cursor: nextCursor(notifications, query.limit, (notification) => timeCursorOf(notification.createdAt, notification.id)),
    };
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiErrors({ status: 404, code: 'NOTIFICATION_NOT_FOUND', message: 'Notification "5f0c6a8e-…" does not exist.' })
  @ApiReply({ summary: 'Get a notification', schema: notificationResponse })
  async get(@Param('id', UuidParamPipe) id: string) {
    return notificationView(await this.notifications.get(id));
  }

  @Post(':id/resend')
  @HttpCode(202)
  @RequireRole('support')
  @ApiErrors(
    { status: 404, code: 'NOTIFICATION_NOT_FOUND', message: 'Notification "5f0c6a8e-…" does not exist.' },
    { status: 409, code: 'NOTIFICATION_IN_FLIGHT', message: 'Notification "5f0c6a8e-…" is queued: it is being delivered already.' },
    {
      status: 409,
      code: 'NOTIFICATION_NOT_RESENDABLE',
      message:
        'Notification "5f0c6a8e-…" carried a one-time login link, which is not kept after sending; send a new link with POST /api/v1/tenants/acme/login-links {"send_email": true}.',
    },
    { status: 409, code: 'LICENSE_NOT_CURRENT', message: 'License "5f0c6a8e-…" is revoked, so its email is not sent again.' },
  )
  @ApiReply({ summary: 'Send a notification again', schema: notificationResponse })
  async resend(@Param('id', UuidParamPipe) id: string, @CurrentActor() actor: AuditActor) {
    return notificationView(await this.notifications.resend(id, actor));
  }
}
