from django.urls import path

from concierge.web import task_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("app/", views.app_home, name="app"),
    path("app/account/", views.account, name="account"),
    path("app/account/password/", views.password_change, name="password-change"),
    path("app/tasks/", task_views.task_list, name="task-list"),
    path("app/tasks/new/", task_views.task_new, name="task-new"),
    path("app/tasks/<int:pk>/", task_views.task_detail, name="task-detail"),
    path("app/tasks/<int:pk>/messages/", task_views.task_message, name="task-message"),
    path("app/tasks/<int:pk>/accept/", task_views.task_accept, name="task-accept"),
    path(
        "app/tasks/<int:pk>/request-revision/",
        task_views.task_request_revision,
        name="task-request-revision",
    ),
    path("app/tasks/<int:pk>/cancel/", task_views.task_cancel, name="task-cancel"),
    path("app/tasks/<int:pk>/start/", task_views.task_start, name="task-start"),
    path("app/tasks/<int:pk>/wait/", task_views.task_wait, name="task-wait"),
    path("app/tasks/<int:pk>/deliver/", task_views.task_deliver, name="task-deliver"),
    path("app/tasks/<int:pk>/assign/", task_views.task_assign, name="task-assign"),
]
